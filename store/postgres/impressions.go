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

var _ store.Impressions = (*Store)(nil)

const impressionCols = `id, user_id, session_id, route, strategy, model_version, ts`

// PutImpressions stores a batch of impressions and their items in one transaction.
func (s *Store) PutImpressions(ctx context.Context, imps []store.Impression) error {
	if len(imps) == 0 {
		return nil
	}
	return s.write(ctx, "put impressions", func(tx pgx.Tx) error {
		heads := make([][]any, 0, len(imps))
		var items [][]any
		for _, im := range imps {
			ts := im.Time.UTC().UnixNano()
			heads = append(heads, []any{im.ID, im.UserID, im.SessionID, im.Route, im.Strategy, im.ModelVersion, ts})
			for _, it := range im.Items {
				items = append(items, []any{im.ID, int32(it.Position), it.ItemID, it.Score, im.UserID, ts})
			}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"impressions"},
			[]string{"id", "user_id", "session_id", "route", "strategy", "model_version", "ts"},
			pgx.CopyFromRows(heads)); err != nil {
			return err
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"impression_items"},
			[]string{"impression_id", "position", "item_id", "score", "user_id", "ts"}, pgx.CopyFromRows(items))
		return err
	})
}

// GetImpression returns one impression with its items in position order.
func (s *Store) GetImpression(ctx context.Context, id string) (store.Impression, error) {
	var im store.Impression
	var ts int64
	err := s.pool.QueryRow(ctx, `SELECT `+impressionCols+` FROM impressions WHERE id = $1`, id).
		Scan(&im.ID, &im.UserID, &im.SessionID, &im.Route, &im.Strategy, &im.ModelVersion, &ts)
	if errors.Is(err, pgx.ErrNoRows) {
		return im, fmt.Errorf("impression %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return im, wrap("get impression", err)
	}
	im.Time = codec.Time(ts)
	rows, err := s.pool.Query(ctx, `SELECT item_id, position, score FROM impression_items
		WHERE impression_id = $1 ORDER BY position`, id)
	if err != nil {
		return im, wrap("get impression items", err)
	}
	defer rows.Close()
	for rows.Next() {
		var it store.ImpressionItem
		var pos int32
		if err := rows.Scan(&it.ItemID, &pos, &it.Score); err != nil {
			return im, wrap("get impression items", err)
		}
		it.Position = int(pos)
		im.Items = append(im.Items, it)
	}
	if err := rows.Err(); err != nil {
		return im, wrap("get impression items", err)
	}
	return im, nil
}

// LatestImpressionOf returns the newest impression of user at or after since that showed item.
func (s *Store) LatestImpressionOf(ctx context.Context, user, item string, since time.Time) (store.Impression, error) {
	if user == "" {
		return store.Impression{}, fmt.Errorf("impression of %q: %w", item, store.ErrNotFound)
	}
	var im store.Impression
	var it store.ImpressionItem
	var ts int64
	var pos int32
	err := s.pool.QueryRow(ctx, `SELECT i.id, i.user_id, i.session_id, i.route, i.strategy, i.model_version, i.ts,
		x.position, x.score FROM impression_items x JOIN impressions i ON i.id = x.impression_id
		WHERE x.user_id = $1 AND x.item_id = $2 AND x.ts >= $3 ORDER BY x.ts DESC, x.impression_id DESC LIMIT 1`,
		user, item, since.UTC().UnixNano()).
		Scan(&im.ID, &im.UserID, &im.SessionID, &im.Route, &im.Strategy, &im.ModelVersion, &ts, &pos, &it.Score)
	if errors.Is(err, pgx.ErrNoRows) {
		return im, fmt.Errorf("impression of %q for %q: %w", item, user, store.ErrNotFound)
	}
	if err != nil {
		return im, wrap("latest impression", err)
	}
	it.ItemID, it.Position, im.Time = item, int(pos), codec.Time(ts)
	im.Items = []store.ImpressionItem{it}
	return im, nil
}

// DeleteUserImpressions deletes every impression of user.
func (s *Store) DeleteUserImpressions(ctx context.Context, user string) (int, error) {
	return s.deleteImpressions(ctx, "delete user impressions", `user_id = $1`, user)
}

// DeleteImpressionsBefore deletes the impressions served before t.
func (s *Store) DeleteImpressionsBefore(ctx context.Context, t time.Time) (int, error) {
	return s.deleteImpressions(ctx, "delete old impressions", `ts < $1`, t.UTC().UnixNano())
}

// deleteImpressions deletes the impressions (and their items) matching where, in one transaction.
func (s *Store) deleteImpressions(ctx context.Context, op, where string, arg any) (int, error) {
	var n int64
	err := s.write(ctx, op, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM impression_items WHERE `+where, arg); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM impressions WHERE `+where, arg)
		n = tag.RowsAffected()
		return err
	})
	return int(n), err
}
