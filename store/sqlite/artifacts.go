package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/recd/recd/store"
	"github.com/recd/recd/store/internal/codec"
)

// SaveArtifact stores (or replaces) one artifact version with its blob.
func (s *Store) SaveArtifact(ctx context.Context, a store.Artifact) error {
	if err := codec.EncodeArtifactKey(a.Version, a.Kind); err != nil {
		return fmt.Errorf("save artifact: %w", err)
	}
	if a.Created.IsZero() {
		a.Created = time.Now().UTC()
	}
	created, err := codec.Nanos("created", a.Created)
	if err != nil {
		return fmt.Errorf("save artifact: %w", err)
	}
	metrics, err := codec.Floats("metrics", a.Metrics)
	if err != nil {
		return fmt.Errorf("save artifact: %w", err)
	}
	if a.Size == 0 {
		a.Size = int64(len(a.Blob))
	}
	if a.Blob == nil {
		a.Blob = []byte{}
	}
	return s.write(ctx, "save artifact", func(tx *sql.Tx) error {
		_, err := tx.StmtContext(ctx, s.ws.saveArtifact).ExecContext(ctx, a.Version, a.Kind, created, metrics, a.Size, a.Blob)
		return err
	})
}

// ListArtifacts returns every artifact's metadata (Blob nil), newest first.
func (s *Store) ListArtifacts(ctx context.Context) ([]store.Artifact, error) {
	rows, err := s.rs.listArtifacts.QueryContext(ctx)
	if err != nil {
		return nil, wrap("list artifacts", err)
	}
	defer rows.Close()
	var out []store.Artifact
	for rows.Next() {
		var a store.Artifact
		var created int64
		var metrics string
		if err := rows.Scan(&a.Version, &a.Kind, &created, &metrics, &a.Size); err != nil {
			return nil, wrap("list artifacts", err)
		}
		a.Created = codec.Time(created)
		if a.Metrics, err = codec.ParseFloats(metrics); err != nil {
			return nil, fmt.Errorf("list artifacts: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list artifacts", err)
	}
	return out, nil
}

// LoadArtifact returns one version with its blob, or an error wrapping store.ErrNotFound.
func (s *Store) LoadArtifact(ctx context.Context, version string) (store.Artifact, error) {
	a, err := scanArtifact(s.rs.loadArtifact.QueryRowContext(ctx, version))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("load artifact %q: %w", version, store.ErrNotFound)
	}
	if err != nil {
		return a, wrap("load artifact", err)
	}
	return a, nil
}

// LatestArtifact returns the newest artifact of a kind with its blob, or store.ErrNotFound.
func (s *Store) LatestArtifact(ctx context.Context, kind string) (store.Artifact, error) {
	a, err := scanArtifact(s.rs.latestArtifact.QueryRowContext(ctx, kind))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("latest artifact %q: %w", kind, store.ErrNotFound)
	}
	if err != nil {
		return a, wrap("latest artifact", err)
	}
	return a, nil
}

func scanArtifact(sc scanner) (store.Artifact, error) {
	var a store.Artifact
	var created int64
	var metrics string
	if err := sc.Scan(&a.Version, &a.Kind, &created, &metrics, &a.Size, &a.Blob); err != nil {
		return store.Artifact{}, err
	}
	a.Created = codec.Time(created)
	var err error
	if a.Metrics, err = codec.ParseFloats(metrics); err != nil {
		return store.Artifact{}, err
	}
	return a, nil
}

// DeleteArtifact deletes one version, or returns an error wrapping store.ErrNotFound. The
// blob's pages go to the database's free list, where the next saved artifact reuses them: the
// file does not shrink, but it stops growing once the kept versions fit in it.
func (s *Store) DeleteArtifact(ctx context.Context, version string) error {
	return s.write(ctx, "delete artifact", func(tx *sql.Tx) error {
		res, err := tx.StmtContext(ctx, s.ws.deleteArtifact).ExecContext(ctx, version)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("artifact %q: %w", version, store.ErrNotFound)
		}
		return nil
	})
}
