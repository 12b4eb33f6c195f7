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

const (
	eventCols = `seq, user_id, item_id, type, value, ts, session_id, recommendation_id, position`
	// reserveSeq takes $1 consecutive numbers from event_seq and returns the last.
	reserveSeq  = `SELECT setval('event_seq', nextval('event_seq') + $1 - 1)`
	ensureUsers = `INSERT INTO users (id, attributes, created, updated)
		SELECT u, '{}', $2, $2 FROM unnest($1::text[]) AS u ON CONFLICT (id) DO NOTHING`
)

// PutUser inserts or replaces a user; CreatedAt is kept from an existing row.
func (s *Store) PutUser(ctx context.Context, u recd.User) error {
	now := time.Now().UTC().UnixNano()
	attrs, created, err := codec.EncodeUser(u, now)
	if err != nil {
		return fmt.Errorf("put user: %w", err)
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
		return logChanges(ctx, tx, store.ChangeUser, []string{id}, true)
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
		var err error
		if out[i], ts[i], err = codec.EncodeEvent(i, e, now); err != nil {
			return nil, fmt.Errorf("add events: %w", err)
		}
		users = append(users, e.UserID)
	}
	slices.Sort(users)
	users = slices.Compact(users)
	var err error
	if len(out) < s.opts.CopyThreshold {
		err = s.insertEventsBatch(ctx, out, ts, users, now.UnixNano())
	} else {
		err = s.write(ctx, "add events", func(tx pgx.Tx) error {
			if err := lock(ctx, tx, eventLock); err != nil {
				return err
			}
			// Reserve len(out) consecutive numbers; the lock keeps other writers out meanwhile.
			var last int64
			if err := tx.QueryRow(ctx, reserveSeq, int64(len(out))).Scan(&last); err != nil {
				return fmt.Errorf("reserve seq: %w", err)
			}
			for i := range out {
				out[i].Seq = last - int64(len(out)) + 1 + int64(i)
			}
			if _, err := tx.Exec(ctx, ensureUsers, users, now.UnixNano()); err != nil {
				return fmt.Errorf("create users: %w", err)
			}
			_, err := tx.CopyFrom(ctx, pgx.Identifier{"events"},
				[]string{"seq", "user_id", "item_id", "type", "value", "ts", "session_id", "recommendation_id", "position"},
				pgx.CopyFromSlice(len(out), func(i int) ([]any, error) {
					e := out[i]
					return []any{e.Seq, e.UserID, e.ItemID, e.Type, e.Value, ts[i], e.SessionID, e.RecommendationID,
						int32(codec.EventPosition(&e))}, nil
				}))
			return err
		})
	}
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
// The next page is read while fn takes the current one: at 20M events reading (mostly
// decoding the rows) and what a start does with each event took about as long each, one after
// the other. At most two pages are held besides the one fn is given.
func (s *Store) ScanEvents(ctx context.Context, afterSeq int64, fn func(recd.Event) error) error {
	type page struct {
		evs []recd.Event
		err error
	}
	rctx, cancel := context.WithCancel(ctx)
	pages, done := make(chan page, 1), make(chan struct{})
	defer func() {
		cancel()
		<-done // no query outlives the scan
	}()
	go func() {
		defer close(done)
		defer close(pages)
		after := afterSeq
		for {
			evs, err := s.events(rctx, `SELECT `+eventCols+` FROM events WHERE seq > $1 ORDER BY seq LIMIT $2`, after, pageSize)
			select {
			case pages <- page{evs, err}:
			case <-rctx.Done():
				return
			}
			if err != nil || len(evs) < pageSize {
				return
			}
			after = evs[len(evs)-1].Seq
		}
	}()
	for p := range pages {
		if p.err != nil {
			return wrap("scan events", p.err)
		}
		for _, e := range p.evs {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(p.evs) < pageSize {
			return nil
		}
	}
	// The reader stopped without a last short page: ctx ended.
	return wrap("scan events", ctx.Err())
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
		var pos int32
		if err := rows.Scan(&e.Seq, &e.UserID, &e.ItemID, &e.Type, &e.Value, &ts, &e.SessionID, &e.RecommendationID, &pos); err != nil {
			return nil, err
		}
		e.Timestamp = codec.Time(ts)
		codec.SetEventPosition(&e, int64(pos))
		out = append(out, e)
	}
	return out, rows.Err()
}

// insertEventsBatch writes a small batch in one round trip: the statements go as one pgx
// batch, which PostgreSQL runs as one implicit transaction (all or nothing, committed at the
// end). The events' numbers come from currval after the reservation in the same session.
func (s *Store) insertEventsBatch(ctx context.Context, out []recd.Event, ts []int64, users []string, now int64) error {
	n := len(out)
	uids, iids, types, sess := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	vals, recs, pos := make([]float64, n), make([]string, n), make([]int32, n)
	for i, e := range out {
		uids[i], iids[i], types[i], vals[i], sess[i] = e.UserID, e.ItemID, e.Type, e.Value, e.SessionID
		recs[i], pos[i] = e.RecommendationID, int32(codec.EventPosition(&e))
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT pg_advisory_xact_lock($1)`, eventLock)
	b.Queue(reserveSeq, int64(n))
	b.Queue(ensureUsers, users, now)
	b.Queue(`INSERT INTO events (`+eventCols+`)
		SELECT currval('event_seq') - $7 + o, u, i, ty, v, t, se, r, p
		FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::bigint[], $6::text[], $8::text[], $9::int4[])
			WITH ORDINALITY AS x(u, i, ty, v, t, se, r, p, o)`,
		uids, iids, types, vals, ts, sess, int64(n), recs, pos)
	br := s.pool.SendBatch(ctx, b)
	_, err := br.Exec()
	var last int64
	if err == nil {
		err = br.QueryRow().Scan(&last)
	}
	if err == nil {
		_, err = br.Exec()
	}
	if err == nil {
		_, err = br.Exec()
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return wrap("add events", err)
	}
	for i := range out {
		out[i].Seq = last - int64(n) + 1 + int64(i)
	}
	return nil
}
