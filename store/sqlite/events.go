package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/store"
	"github.com/recd/recd/store/internal/codec"
)

// PutUser inserts or replaces a user; CreatedAt is kept from an existing row.
func (s *Store) PutUser(ctx context.Context, u recd.User) error {
	now := time.Now().UTC().UnixNano()
	attrs, created, err := codec.EncodeUser(u, now)
	if err != nil {
		return fmt.Errorf("put user: %w", err)
	}
	return s.write(ctx, "put user", func(tx *sql.Tx) error {
		_, err := tx.StmtContext(ctx, s.ws.putUser).ExecContext(ctx, u.ID, attrs, created, now)
		return err
	})
}

// GetUser returns a user or an error wrapping store.ErrNotFound.
func (s *Store) GetUser(ctx context.Context, id string) (recd.User, error) {
	var u recd.User
	var attrs string
	var created, updated int64
	err := s.rs.getUser.QueryRowContext(ctx, id).Scan(&u.ID, &attrs, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
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
	return s.write(ctx, "delete user", func(tx *sql.Tx) error {
		res, err := tx.StmtContext(ctx, s.ws.deleteUserEvents).ExecContext(ctx, id)
		if err != nil {
			return err
		}
		nEvents, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if res, err = tx.StmtContext(ctx, s.ws.deleteUser).ExecContext(ctx, id); err != nil {
			return err
		}
		nUsers, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if nEvents+nUsers == 0 {
			return fmt.Errorf("user %q: %w", id, store.ErrNotFound)
		}
		return logChanges(ctx, tx, store.ChangeUser, []string{id}, true)
	})
}

// eventParams is the number of parameters of one event's row.
const eventParams = 9

// AddEvents appends events in one transaction, creating missing users, and returns them with
// their Seq (consecutive, in input order) and Timestamp (now if it was zero).
func (s *Store) AddEvents(ctx context.Context, events []recd.Event) ([]recd.Event, error) {
	if len(events) == 0 {
		return nil, nil
	}
	now := time.Now().UTC()
	out := make([]recd.Event, len(events))
	args := make([]any, 0, eventParams*len(events))
	for i, e := range events {
		e, ts, err := codec.EncodeEvent(i, e, now)
		if err != nil {
			return nil, fmt.Errorf("add events: %w", err)
		}
		out[i] = e
		args = append(args, nil, e.UserID, e.ItemID, e.Type, e.Value, ts, e.SessionID, e.RecommendationID, codec.EventPosition(&e))
	}
	err := s.write(ctx, "add events", func(tx *sql.Tx) error {
		var seq int64
		if err := tx.StmtContext(ctx, s.ws.nextEventSeq).QueryRowContext(ctx).Scan(&seq); err != nil {
			return err
		}
		ensure := tx.StmtContext(ctx, s.ws.ensureUser)
		seen := make(map[string]struct{})
		nowNs := now.UnixNano()
		for i := range out {
			seq++
			out[i].Seq = seq
			args[eventParams*i] = seq
			if _, ok := seen[out[i].UserID]; ok {
				continue
			}
			seen[out[i].UserID] = struct{}{}
			if _, err := ensure.ExecContext(ctx, out[i].UserID, nowNs, nowNs); err != nil {
				return fmt.Errorf("event %d user %q: %w", i, out[i].UserID, err)
			}
		}
		many := tx.StmtContext(ctx, s.ws.addEvents)
		i := 0
		for ; i+eventRows <= len(out); i += eventRows {
			if _, err := many.ExecContext(ctx, args[eventParams*i:eventParams*(i+eventRows)]...); err != nil {
				return fmt.Errorf("events %d to %d: %w", i, i+eventRows-1, err)
			}
		}
		one := tx.StmtContext(ctx, s.ws.addEvent)
		for ; i < len(out); i++ {
			if _, err := one.ExecContext(ctx, args[eventParams*i:eventParams*(i+1)]...); err != nil {
				return fmt.Errorf("event %d: %w", i, err)
			}
		}
		return nil
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
	evs, err := collectEvents(s.rs.userEvents.QueryContext(ctx, userID, before, limit+1))
	if err != nil {
		return nil, "", wrap("user events", err)
	}
	if len(evs) <= limit {
		return evs, "", nil
	}
	evs = evs[:limit]
	return evs, codec.SeqCursor(evs[limit-1].Seq), nil
}

// ScanEvents calls fn for every event with Seq > afterSeq in Seq order, a page at a time,
// reusing one page buffer (fn gets each event by value).
func (s *Store) ScanEvents(ctx context.Context, afterSeq int64, fn func(recd.Event) error) error {
	buf := make([]recd.Event, 0, pageSize)
	for {
		rows, err := s.rs.scanEvents.QueryContext(ctx, afterSeq, pageSize)
		page, err := collectEventsInto(buf[:0], rows, err)
		if err != nil {
			return wrap("scan events", err)
		}
		buf = page
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
	if err := s.rs.countEvents.QueryRowContext(ctx).Scan(&n); err != nil {
		return 0, wrap("count events", err)
	}
	return n, nil
}

func collectEvents(rows *sql.Rows, err error) ([]recd.Event, error) {
	return collectEventsInto(nil, rows, err)
}

// collectEventsInto appends the rows' events to out.
func collectEventsInto(out []recd.Event, rows *sql.Rows, err error) ([]recd.Event, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e recd.Event
		var ts, pos int64
		if err := rows.Scan(&e.Seq, &e.UserID, &e.ItemID, &e.Type, &e.Value, &ts, &e.SessionID, &e.RecommendationID, &pos); err != nil {
			return nil, err
		}
		e.Timestamp = codec.Time(ts)
		codec.SetEventPosition(&e, pos)
		out = append(out, e)
	}
	return out, rows.Err()
}
