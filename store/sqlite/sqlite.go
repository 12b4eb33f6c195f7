// Package sqlite is the embedded store.Store: one SQLite file in WAL mode through the pure-Go
// modernc.org/sqlite driver.
//
// Durability: every write method commits its transaction before it returns. With the default
// synchronous=NORMAL in WAL mode a commit is written to the WAL file (in the operating
// system's page cache) before it returns, so an acknowledged write survives a crash of the
// process (kill -9) but may be lost if the machine loses power or the kernel crashes before
// the next checkpoint's fsync. Options.FullSync selects synchronous=FULL, which fsyncs the WAL
// on every commit and survives power loss at the cost of write latency.
//
// Concurrency: a Store is safe for concurrent use. Writes go through one connection (SQLite
// serialises writers anyway, and one connection avoids SQLITE_BUSY between our own writers);
// reads use a separate pool of read-only connections and see the last committed state.
// Only one process should open a database file at a time.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/store"
	msqlite "modernc.org/sqlite"
)

var _ store.Store = (*Store)(nil)

// Options configure a Store.
type Options struct {
	// FullSync selects PRAGMA synchronous=FULL (fsync on every commit, survives power loss).
	// The default, false, selects NORMAL (survives a process crash; see the package doc).
	FullSync bool
	// BusyTimeout is how long a connection waits for a lock held by another connection
	// before failing with an error wrapping recd.ErrUnavailable. Default 5s.
	BusyTimeout time.Duration
	// Readers is the size of the read-only connection pool. Default 4.
	Readers int
	// CacheKiB is each connection's page cache in KiB. Default 16384 (16 MiB).
	CacheKiB int
}

// DefaultOptions returns the defaults described on Options.
func DefaultOptions() Options {
	return Options{BusyTimeout: 5 * time.Second, Readers: 4, CacheKiB: 16384}
}

func (o Options) validate() error {
	switch {
	case o.BusyTimeout < 0:
		return fmt.Errorf("sqlite options: busy timeout %v is negative", o.BusyTimeout)
	case o.Readers < 1:
		return fmt.Errorf("sqlite options: readers %d must be at least 1", o.Readers)
	case o.CacheKiB < 0:
		return fmt.Errorf("sqlite options: cache %d KiB is negative", o.CacheKiB)
	}
	return nil
}

// Store is a store.Store backed by one SQLite database file. See the package doc for its
// durability and concurrency contracts.
type Store struct {
	w  *sql.DB // exactly one connection: all writes
	r  *sql.DB // read-only pool
	ws writeStmts
	rs readStmts
}

// Open opens (creating if needed) the database at path and migrates its schema.
func Open(path string, opts Options) (*Store, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if path == "" || strings.ContainsAny(path, "?#") || path == ":memory:" {
		return nil, fmt.Errorf("open sqlite: path %q must name a file and contain no '?' or '#'", path)
	}
	sync := "NORMAL"
	if opts.FullSync {
		sync = "FULL"
	}
	base := fmt.Sprintf("%s?_busy_timeout=%d&_foreign_keys=1&_pragma=cache_size(-%d)",
		path, opts.BusyTimeout.Milliseconds(), opts.CacheKiB)
	w, err := sql.Open("sqlite", base+"&_journal_mode=WAL&_synchronous="+sync+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	s := &Store{w: w}
	ctx := context.Background()
	if err := migrate(ctx, w); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", base+"&_query_only=1")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	r.SetMaxOpenConns(opts.Readers)
	r.SetMaxIdleConns(opts.Readers)
	s.r = r
	if err := s.prepare(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return s, nil
}

// Close closes the database. Calls in flight may fail; the Store must not be used afterwards.
func (s *Store) Close() error {
	var errs []error
	for _, st := range append(s.ws.all(), s.rs.all()...) {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	if s.w != nil {
		// A final checkpoint folds the WAL into the main file so the next open starts clean.
		_, _ = s.w.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
		errs = append(errs, s.w.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close sqlite: %w", err)
	}
	return nil
}

// wrap adds op as context to err and classifies SQLite errors: constraint violations wrap
// recd.ErrInvalid; busy, locked, full-disk and I/O errors wrap recd.ErrUnavailable.
func wrap(op string, err error) error {
	var se *msqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case 19: // SQLITE_CONSTRAINT
			return fmt.Errorf("%s: %w: %w", op, recd.ErrInvalid, err)
		case 5, 6, 10, 13: // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_FULL
			return fmt.Errorf("%s: %w: %w", op, recd.ErrUnavailable, err)
		}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// write runs fn in one immediate transaction on the writer connection and commits it.
func (s *Store) write(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return wrap(op, err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return wrap(op, err)
	}
	if err := tx.Commit(); err != nil {
		return wrap(op+": commit", err)
	}
	return nil
}

// read runs fn in one read transaction, so that it sees a single snapshot.
func (s *Store) read(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return wrap(op, err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return wrap(op, err)
	}
	return nil
}

var _ store.Pinger = (*Store)(nil)

// Ping checks that the database file can be read.
func (s *Store) Ping(ctx context.Context) error {
	var n int
	if err := s.r.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&n); err != nil {
		return fmt.Errorf("ping sqlite: %w: %w", recd.ErrUnavailable, err)
	}
	return nil
}
