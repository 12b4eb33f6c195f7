package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
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
	if _, err := s.pool.Exec(ctx, `INSERT INTO artifacts (version, kind, created, metrics, size, blob)
		VALUES ($1, $2, $3, $4::jsonb, $5, $6)
		ON CONFLICT (version) DO UPDATE SET kind = excluded.kind, created = excluded.created,
			metrics = excluded.metrics, size = excluded.size, blob = excluded.blob`,
		a.Version, a.Kind, created, metrics, a.Size, a.Blob); err != nil {
		return wrap("save artifact", err)
	}
	return nil
}

// ListArtifacts returns every artifact's metadata (Blob nil), newest first.
func (s *Store) ListArtifacts(ctx context.Context) ([]store.Artifact, error) {
	rows, err := s.pool.Query(ctx, `SELECT version, kind, created, metrics::text, size FROM artifacts
		ORDER BY created DESC, version DESC`)
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

const artifactCols = `version, kind, created, metrics::text, size, blob`

// LoadArtifact returns one version with its blob, or an error wrapping store.ErrNotFound.
func (s *Store) LoadArtifact(ctx context.Context, version string) (store.Artifact, error) {
	a, err := scanArtifact(s.pool.QueryRow(ctx, `SELECT `+artifactCols+` FROM artifacts WHERE version = $1`, version))
	if errors.Is(err, pgx.ErrNoRows) {
		return a, fmt.Errorf("load artifact %q: %w", version, store.ErrNotFound)
	}
	if err != nil {
		return a, wrap("load artifact", err)
	}
	return a, nil
}

// LatestArtifact returns the newest artifact of a kind with its blob, or store.ErrNotFound.
func (s *Store) LatestArtifact(ctx context.Context, kind string) (store.Artifact, error) {
	a, err := scanArtifact(s.pool.QueryRow(ctx, `SELECT `+artifactCols+` FROM artifacts WHERE kind = $1
		ORDER BY created DESC, version DESC LIMIT 1`, kind))
	if errors.Is(err, pgx.ErrNoRows) {
		return a, fmt.Errorf("latest artifact %q: %w", kind, store.ErrNotFound)
	}
	if err != nil {
		return a, wrap("latest artifact", err)
	}
	return a, nil
}

func scanArtifact(row pgx.Row) (store.Artifact, error) {
	var a store.Artifact
	var created int64
	var metrics string
	if err := row.Scan(&a.Version, &a.Kind, &created, &metrics, &a.Size, &a.Blob); err != nil {
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
// blob lives in the table's TOAST storage; (auto)vacuum makes its space reusable by the next
// saved artifact.
func (s *Store) DeleteArtifact(ctx context.Context, version string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM artifacts WHERE version = $1`, version)
	if err != nil {
		return wrap("delete artifact", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("delete artifact %q: %w", version, store.ErrNotFound)
	}
	return nil
}
