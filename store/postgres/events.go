package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/recd/recd"
	"github.com/recd/recd/store"
	"github.com/recd/recd/store/internal/codec"
)

const eventCols = `seq, user_id, item_id, type, value, ts, session_id`

// PutUser inserts or replaces a user; CreatedAt is kept from an existing row.
func (s *Store) PutUser(ctx context.Context, u recd.User) error {
	attrs, err := codec.Map("attributes", u.Attributes)
	if err != nil {
		return fmt.Errorf("put user: %w", err)
	}
	now := time.Now().UTC().UnixNano()
	created := now
	if !u.CreatedAt.IsZero() {
		if created, err = codec.Nanos("created_at", u.CreatedAt); err != nil {
			return fmt.Errorf("put user: %w", err)
		}
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO users (id, attributes, created, updated) VALUES ($1, $2::jsonb, $3, $4)
		ON CONFLICT (id) DO UPDATE SET attributes = excluded.attributes, updated = excluded.updated`,
		u.ID, attrs, created, now); err != nil {
		return wrap("put user", err)
	}
	return nil
}

// GetUser returns a user or an error wrapping store.ErrNotFound.
func (s *Store) GetUser(ctx context.Context, id string) (recd.User, error) {
	var u recd.User
	var attrs string
	var created, updated int64
	err := s.pool.QueryRow(ctx, `SELECT id, attributes::text, created, updated FROM users WHERE id = $1`, id).
		Scan(&u.ID, &attrs, &created, &updated)
	if errors.Is(err, pgx.ErrNoRows) {
		return u, fmt.Errorf("get user %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return u, wrap("get user", err)
	}
	if u.Attributes, err = codec.ParseMap(attrs); err != nil {
		return u, fmt.Errorf("get user %q: %w", id, err)
	}
	u.CreatedAt, u.UpdatedAt = codec.Time(created), codec.Time(updated)
	return u, nil
}

// DeleteUser deletes a user and all their events in one transaction.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	return s.write(ctx, "delete user", func(tx pgx.Tx) error {
		if err := lock(ctx, tx, eventLock); err != nil {
			return err
		}
		ev, err := tx.Exec(ctx, `DELETE FROM events WHERE user_id = $1`, id)
		if err != nil {
			return err
		}
		us, err := tx.Exec(ctx, `DELETE FROM users WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if ev.RowsAffected()+us.RowsAffected() == 0 {
			return fmt.Errorf("user %q: %w", id, store.ErrNotFound)
		}
		return nil
	})
}

// AddEvents appends events in one transaction, creating missing users, and returns them with
// their Seq (consecutive, in input order) and Timestamp (now if it was zero). Batches of
// Options.CopyThreshold events or more are written with COPY.
func (s *Store) AddEvents(ctx context.Context, events []recd.Event) ([]recd.Event, error) {
	if len(events) == 0 {
		return nil, nil
	}
	now := time.Now().UTC()
	out := make([]recd.Event, len(events))
	ts := make([]int64, len(events))
	users := make([]string, 0, len(events))
	for i, e := range events {
		if e.Timestamp.IsZero() {
			e.Timestamp = now
		}
		var err error
		if ts[i], err = codec.Nanos(fmt.Sprintf("events[%d].timestamp", i), e.Timestamp); err != nil {
			return nil, fmt.Errorf("add events: %w", err)
		}
		if math.IsNaN(e.Value) || math.IsInf(e.Value, 0) {
			return nil, fmt.Errorf("add events: %w", recd.Invalid(fmt.Sprintf("events[%d].value", i), "not a finite number"))
		}
		e.Timestamp = codec.Time(ts[i])
		out[i] = e
		users = append(users, e.UserID)
	}
	slices.Sort(users)
	users = slices.Compact(users)
	err := s.write(ctx, "add events", func(tx pgx.Tx) error {
		if err := lock(ctx, tx, eventLock); err != nil {
			return err
		}
		// Reserve len(events) consecutive numbers; the lock keeps other writers out meanwhile.
		var last int64
		if err := tx.QueryRow(ctx, `SELECT setval('event_seq', nextval('event_seq') + $1 - 1)`, int64(len(out))).Scan(&last); err != nil {
			return fmt.Errorf("reserve seq: %w", err)
		}
		first := last - int64(len(out)) + 1
		for i := range out {
			out[i].Seq = first + int64(i)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO users (id, attributes, created, updated)
			SELECT u, '{}', $2, $2 FROM unnest($1::text[]) AS u ON CONFLICT (id) DO NOTHING`,
			users, now.UnixNano()); err != nil {
			return fmt.Errorf("create users: %w", err)
		}
		if len(out) >= s.opts.CopyThreshold {
			_, err := tx.CopyFrom(ctx, pgx.Identifier{"events"},
				[]string{"seq", "user_id", "item_id", "type", "value", "ts", "session_id"},
				pgx.CopyFromSlice(len(out), func(i int) ([]any, error) {
					e := out[i]
					return []any{e.Seq, e.UserID, e.ItemID, e.Type, e.Value, ts[i], e.SessionID}, nil
				}))
			return err
		}
		seqs := make([]int64, len(out))
		uids, iids, types, sess := make([]string, len(out)), make([]string, len(out)), make([]string, len(out)), make([]string, len(out))
		vals := make([]float64, len(out))
		for i, e := range out {
			seqs[i], uids[i], iids[i], types[i], vals[i], sess[i] = e.Seq, e.UserID, e.ItemID, e.Type, e.Value, e.SessionID
		}
		_, err := tx.Exec(ctx, `INSERT INTO events (`+eventCols+`)
			SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::bigint[], $7::text[])`,
			seqs, uids, iids, types, vals, ts, sess)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UserEvents returns a page of one user's events, newest first.
func (s *Store) UserEvents(ctx context.Context, userID, cursor string, limit int) ([]recd.Event, string, error) {
	if err := codec.CheckLimit(limit); err != nil {
		return nil, "", fmt.Errorf("user events: %w", err)
	}
	before, ok, err := codec.ParseSeqCursor(cursor)
	if err != nil {
		return nil, "", fmt.Errorf("user events: %w", err)
	}
	if !ok {
		before = math.MaxInt64
	}
	evs, err := s.events(ctx, `SELECT `+eventCols+` FROM events WHERE user_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3`,
		userID, before, limit+1)
	if err != nil {
		return nil, "", wrap("user events", err)
	}
	if len(evs) <= limit {
		return evs, "", nil
	}
	evs = evs[:limit]
	return evs, codec.SeqCursor(evs[limit-1].Seq), nil
}

// ScanEvents calls fn for every event with Seq > afterSeq in Seq order, a page at a time.
func (s *Store) ScanEvents(ctx context.Context, afterSeq int64, fn func(recd.Event) error) error {
	for {
		page, err := s.events(ctx, `SELECT `+eventCols+` FROM events WHERE seq > $1 ORDER BY seq LIMIT $2`, afterSeq, pageSize)
		if err != nil {
			return wrap("scan events", err)
		}
		for _, e := range page {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(page) < pageSize {
			return nil
		}
		afterSeq = page[len(page)-1].Seq
	}
}

// CountEvents returns the number of events.
func (s *Store) CountEvents(ctx context.Context) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM events`).Scan(&n); err != nil {
		return 0, wrap("count events", err)
	}
	return n, nil
}

func (s *Store) events(ctx context.Context, q string, args ...any) ([]recd.Event, error) {
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []recd.Event
	for rows.Next() {
		var e recd.Event
		var ts int64
		if err := rows.Scan(&e.Seq, &e.UserID, &e.ItemID, &e.Type, &e.Value, &ts, &e.SessionID); err != nil {
			return nil, err
		}
		e.Timestamp = codec.Time(ts)
		out = append(out, e)
	}
	return out, rows.Err()
}
