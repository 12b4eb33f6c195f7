package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/recd/recd/store"
	"github.com/recd/recd/store/internal/codec"
)

var _ store.Impressions = (*Store)(nil)

const impressionCols = `id, user_id, session_id, route, strategy, model_version, ts`

// impressionRows is how many rows one multi-row INSERT of a flush carries at most.
const impressionRows = 100

// PutImpressions stores a batch of impressions and their items in one transaction, many rows
// per statement.
func (s *Store) PutImpressions(ctx context.Context, imps []store.Impression) error {
	if len(imps) == 0 {
		return nil
	}
	heads := make([][]any, 0, len(imps))
	var items [][]any
	for _, im := range imps {
		ts := im.Time.UTC().UnixNano()
		heads = append(heads, []any{im.ID, im.UserID, im.SessionID, im.Route, im.Strategy, im.ModelVersion, ts})
		for _, it := range im.Items {
			items = append(items, []any{im.ID, it.Position, it.ItemID, it.Score, im.UserID, ts})
		}
	}
	return s.write(ctx, "put impressions", func(tx *sql.Tx) error {
		if err := insertRows(ctx, tx, `INSERT INTO impressions (`+impressionCols+`) VALUES `, heads); err != nil {
			return err
		}
		return insertRows(ctx, tx, `INSERT INTO impression_items
			(impression_id, position, item_id, score, user_id, ts) VALUES `, items)
	})
}

// insertRows runs prefix with rows as its VALUES, impressionRows rows per statement.
func insertRows(ctx context.Context, tx *sql.Tx, prefix string, rows [][]any) error {
	for len(rows) > 0 {
		n := min(len(rows), impressionRows)
		one := "(?" + strings.Repeat(", ?", len(rows[0])-1) + ")"
		args := make([]any, 0, n*len(rows[0]))
		for _, r := range rows[:n] {
			args = append(args, r...)
		}
		if _, err := tx.ExecContext(ctx, prefix+repeatJoin(one, ", ", n), args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// GetImpression returns one impression with its items in position order.
func (s *Store) GetImpression(ctx context.Context, id string) (store.Impression, error) {
	var im store.Impression
	err := s.read(ctx, "get impression", func(tx *sql.Tx) error {
		var ts int64
		err := tx.QueryRowContext(ctx, `SELECT `+impressionCols+` FROM impressions WHERE id = ?`, id).
			Scan(&im.ID, &im.UserID, &im.SessionID, &im.Route, &im.Strategy, &im.ModelVersion, &ts)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("impression %q: %w", id, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		im.Time = codec.Time(ts)
		rows, err := tx.QueryContext(ctx, `SELECT item_id, position, score FROM impression_items
			WHERE impression_id = ? ORDER BY position`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var it store.ImpressionItem
			if err := rows.Scan(&it.ItemID, &it.Position, &it.Score); err != nil {
				return err
			}
			im.Items = append(im.Items, it)
		}
		return rows.Err()
	})
	return im, err
}

// LatestImpressionOf returns the newest impression of user at or after since that showed item.
func (s *Store) LatestImpressionOf(ctx context.Context, user, item string, since time.Time) (store.Impression, error) {
	if user == "" {
		return store.Impression{}, fmt.Errorf("impression of %q: %w", item, store.ErrNotFound)
	}
	var im store.Impression
	var it store.ImpressionItem
	var ts int64
	err := s.r.QueryRowContext(ctx, latestImpressionOf, user, item, since.UTC().UnixNano()).
		Scan(&im.ID, &im.UserID, &im.SessionID, &im.Route, &im.Strategy, &im.ModelVersion, &ts, &it.Position, &it.Score)
	if errors.Is(err, sql.ErrNoRows) {
		return im, fmt.Errorf("impression of %q for %q: %w", item, user, store.ErrNotFound)
	}
	if err != nil {
		return im, wrap("latest impression", err)
	}
	it.ItemID, im.Time = item, codec.Time(ts)
	im.Items = []store.ImpressionItem{it}
	return im, nil
}

// latestImpressionOf finds the newest list of a user that showed an item since a time, with
// the item's position and score, through the (user_id, item_id, ts) index.
const latestImpressionOf = `SELECT i.id, i.user_id, i.session_id, i.route, i.strategy, i.model_version, i.ts,
	x.position, x.score FROM impression_items x JOIN impressions i ON i.id = x.impression_id
	WHERE x.user_id = ? AND x.item_id = ? AND x.ts >= ? ORDER BY x.ts DESC, x.impression_id DESC LIMIT 1`

// DeleteUserImpressions deletes every impression of user.
func (s *Store) DeleteUserImpressions(ctx context.Context, user string) (int, error) {
	return s.deleteImpressions(ctx, "delete user impressions", `user_id = ?`, user)
}

// DeleteImpressionsBefore deletes the impressions served before t.
func (s *Store) DeleteImpressionsBefore(ctx context.Context, t time.Time) (int, error) {
	return s.deleteImpressions(ctx, "delete old impressions", `ts < ?`, t.UTC().UnixNano())
}

// deleteImpressions deletes the impressions (and their items) matching where, in one transaction.
func (s *Store) deleteImpressions(ctx context.Context, op, where string, arg any) (int, error) {
	var n int64
	err := s.write(ctx, op, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM impression_items WHERE `+where, arg); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM impressions WHERE `+where, arg)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}
