// Package postgres is the store.Store for several replicas: PostgreSQL through pgx, with the
// same schema and behaviour as store/sqlite (both pass store/storetest).
//
// Durability: every write method commits before it returns, and PostgreSQL's default
// synchronous_commit=on flushes the commit to its WAL, so an acknowledged write survives a
// crash of recd and of the database server.
//
// Concurrency: a Store is safe for concurrent use by many goroutines and many processes.
// Writers of the event log (AddEvents, DeleteUser) and of the vector log (PutItems with
// vectors, DeleteItem) each take a transaction-scoped advisory lock, so sequence numbers are
// committed in increasing order and a reader catching up with ScanEvents or ScanVectors after
// the last Seq it saw never misses a record; other writes run in parallel.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/recd/recd"
	"github.com/recd/recd/store"
)

var (
	_ store.Store  = (*Store)(nil)
	_ store.Pinger = (*Store)(nil)
)

// Options configure a Store.
type Options struct {
	// MaxConns is the size of the connection pool. Default 8.
	MaxConns int32
	// ConnectTimeout bounds establishing one connection. Default 5s.
	ConnectTimeout time.Duration
	// CopyThreshold is the batch size from which AddEvents uses COPY instead of one
	// multi-row INSERT. Default 256 events.
	CopyThreshold int
}

// DefaultOptions returns the defaults described on Options.
func DefaultOptions() Options {
	return Options{MaxConns: 8, ConnectTimeout: 5 * time.Second, CopyThreshold: 256}
}

func (o Options) validate() error {
	switch {
	case o.MaxConns < 1:
		return fmt.Errorf("postgres options: max conns %d must be at least 1", o.MaxConns)
	case o.ConnectTimeout < 0:
		return fmt.Errorf("postgres options: connect timeout %v is negative", o.ConnectTimeout)
	case o.CopyThreshold < 1:
		return fmt.Errorf("postgres options: copy threshold %d must be at least 1", o.CopyThreshold)
	}
	return nil
}

// Store is a store.Store on a PostgreSQL database. See the package doc for its contracts.
type Store struct {
	pool *pgxpool.Pool
	opts Options
}

// Open connects to the database named by dsn (a libpq URL or key=value string; a
// search_path parameter selects the schema) and migrates its schema.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	cfg.MaxConns = opts.MaxConns
	if opts.ConnectTimeout > 0 {
		cfg.ConnConfig.ConnectTimeout = opts.ConnectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, wrap("open postgres", err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, wrap("open postgres: migrate", err)
	}
	return &Store{pool: pool, opts: opts}, nil
}

// Close closes the pool, waiting for connections in use to be released.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Ping checks that the database answers; it returns an error wrapping recd.ErrUnavailable
// if it does not.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping postgres: %w: %w", recd.ErrUnavailable, err)
	}
	return nil
}

// wrap adds op as context to err and classifies it: integrity and data errors wrap
// recd.ErrInvalid; a lost or refused connection, a server shutting down or out of resources
// wraps recd.ErrUnavailable. Context errors pass through. A write that fails because the
// connection broke while its commit was in flight may or may not have been applied (never
// partly); the caller must not acknowledge it.
func wrap(op string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", op, err)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "22"), strings.HasPrefix(pe.Code, "23"):
			return fmt.Errorf("%s: %w: %w", op, recd.ErrInvalid, err)
		case strings.HasPrefix(pe.Code, "08"), strings.HasPrefix(pe.Code, "53"),
			strings.HasPrefix(pe.Code, "57P"), pe.Code == "40001", pe.Code == "40P01":
			return fmt.Errorf("%s: %w: %w", op, recd.ErrUnavailable, err)
		}
		return fmt.Errorf("%s: %w", op, err)
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.As(err, &ce) || errors.As(err, &ne) || pgconn.Timeout(err) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("%s: %w: %w", op, recd.ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// write runs fn in one transaction and commits it.
func (s *Store) write(ctx context.Context, op string, fn func(tx pgx.Tx) error) error {
	if err := pgx.BeginFunc(ctx, s.pool, fn); err != nil {
		return wrap(op, err)
	}
	return nil
}

// lock takes a transaction-scoped advisory lock.
func lock(ctx context.Context, tx pgx.Tx, key int64) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, key); err != nil {
		return fmt.Errorf("advisory lock: %w", err)
	}
	return nil
}

// pageSize is how many rows a scan reads per query; no connection is held while fn runs.
const pageSize = 5000
