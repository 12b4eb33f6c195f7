package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/recd/recd/store"
	"github.com/recd/recd/store/internal/codec"
)

var _ store.SharedSnapshots = (*Store)(nil)

// snapshotPart is the size of one stored part of the shared snapshot: large enough that a
// put or a read is a few hundred rows at 20M events, small enough that neither holds much
// in memory.
const snapshotPart = 4 << 20

// PutSharedSnapshot implements store.SharedSnapshots: in one transaction under an advisory
// lock, the old parts are deleted and r's bytes copied in as new ones.
func (s *Store) PutSharedSnapshot(ctx context.Context, created time.Time, r io.Reader) (int64, error) {
	at, err := codec.Nanos("created", created)
	if err != nil {
		return 0, fmt.Errorf("put shared snapshot: %w", err)
	}
	var size int64
	err = s.write(ctx, "put shared snapshot", func(tx pgx.Tx) error {
		if err := lock(ctx, tx, snapshotLock); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM live_snapshot_parts`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM live_snapshot_info`); err != nil {
			return err
		}
		src := &partSource{r: r, buf: make([]byte, snapshotPart)}
		parts, err := tx.CopyFrom(ctx, pgx.Identifier{"live_snapshot_parts"}, []string{"part", "data"}, src)
		if err != nil {
			return err
		}
		if src.err != nil {
			return fmt.Errorf("read snapshot: %w", src.err)
		}
		size = src.size
		_, err = tx.Exec(ctx, `INSERT INTO live_snapshot_info (created, size, parts) VALUES ($1, $2, $3)`, at, size, parts)
		return err
	})
	if err != nil {
		return 0, err
	}
	return size, nil
}

// partSource feeds COPY one part at a time from a reader; the buffer is reused, which COPY
// allows (it encodes each row before asking for the next).
type partSource struct {
	r    io.Reader
	buf  []byte
	n    int
	part int32
	size int64
	err  error
}

func (p *partSource) Next() bool {
	if p.err != nil {
		return false
	}
	n, err := io.ReadFull(p.r, p.buf)
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		err = nil
	}
	if err != nil {
		p.err = err
		return false
	}
	if n == 0 {
		return false
	}
	p.n = n
	p.part++
	p.size += int64(n)
	return true
}

func (p *partSource) Values() ([]any, error) { return []any{p.part - 1, p.buf[:p.n]}, nil }

func (p *partSource) Err() error { return p.err }

// SharedSnapshotInfo implements store.SharedSnapshots.
func (s *Store) SharedSnapshotInfo(ctx context.Context) (time.Time, int64, error) {
	var at, size int64
	err := s.pool.QueryRow(ctx, `SELECT created, size FROM live_snapshot_info`).Scan(&at, &size)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, 0, fmt.Errorf("shared snapshot: %w", store.ErrNotFound)
	}
	if err != nil {
		return time.Time{}, 0, wrap("shared snapshot", err)
	}
	return codec.Time(at), size, nil
}

// ReadSharedSnapshot implements store.SharedSnapshots: the info and the parts are read in
// one repeatable-read transaction, so a put committed meanwhile is not seen half.
func (s *Store) ReadSharedSnapshot(ctx context.Context, w io.Writer) (int64, error) {
	var written int64
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var size int64
		var parts int32
		err := tx.QueryRow(ctx, `SELECT size, parts FROM live_snapshot_info`).Scan(&size, &parts)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("shared snapshot: %w", store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT part, data FROM live_snapshot_parts ORDER BY part`)
		if err != nil {
			return err
		}
		defer rows.Close()
		var want int32
		var data []byte
		for rows.Next() {
			var part int32
			if err := rows.Scan(&part, &data); err != nil {
				return err
			}
			if part != want {
				return fmt.Errorf("shared snapshot: part %d where %d was expected", part, want)
			}
			want++
			n, err := w.Write(data)
			written += int64(n)
			if err != nil {
				return fmt.Errorf("shared snapshot: %w", err)
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if want != parts || written != size {
			return fmt.Errorf("shared snapshot: %d parts of %d bytes where %d parts of %d were recorded", want, written, parts, size)
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return 0, err
		}
		return written, wrap("read shared snapshot", err)
	}
	return written, nil
}
