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

var (
	_ store.Impressions     = (*Store)(nil)
	_ store.ImpressionSpans = (*Store)(nil)
)

const impressionCols = `id, user_id, session_id, route, strategy, model_version, ts, items, experiment, variant, parent, params, features`

// PutImpressions stores a batch of impressions in one transaction, one row per list.
func (s *Store) PutImpressions(ctx context.Context, imps []store.Impression) error {
	if len(imps) == 0 {
		return nil
	}
	rows := make([][]any, 0, len(imps))
	for _, im := range imps {
		items, err := codec.EncodeImpressionItems(im.Items)
		if err != nil {
			return fmt.Errorf("put impressions: %w", err)
		}
		features, err := codec.EncodeFeatureLog(im.Features)
		if err != nil {
			return fmt.Errorf("put impressions: %w", err)
		}
		rows = append(rows, []any{im.ID, im.UserID, im.SessionID, im.Route, im.Strategy, im.ModelVersion, im.Time.UTC().UnixNano(), items, im.Experiment, im.Variant, im.Parent, im.Params, features})
	}
	return s.write(ctx, "put impressions", func(tx pgx.Tx) error {
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"impressions"},
			[]string{"id", "user_id", "session_id", "route", "strategy", "model_version", "ts", "items", "experiment", "variant", "parent", "params", "features"}, pgx.CopyFromRows(rows))
		return err
	})
}

// scanImpression reads one row of impressionCols.
func scanImpression(row pgx.Row) (store.Impression, error) {
	var im store.Impression
	var ts int64
	var items, features string
	if err := row.Scan(&im.ID, &im.UserID, &im.SessionID, &im.Route, &im.Strategy, &im.ModelVersion, &ts, &items, &im.Experiment, &im.Variant, &im.Parent, &im.Params, &features); err != nil {
		return im, err
	}
	im.Time = codec.Time(ts)
	var err error
	if im.Items, err = codec.DecodeImpressionItems(items); err != nil {
		return im, err
	}
	im.Features, err = codec.DecodeFeatureLog(features)
	return im, err
}

// GetImpression returns one impression with its items in position order.
func (s *Store) GetImpression(ctx context.Context, id string) (store.Impression, error) {
	im, err := scanImpression(s.pool.QueryRow(ctx, `SELECT `+impressionCols+` FROM impressions WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return im, fmt.Errorf("impression %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return im, wrap("get impression", err)
	}
	return im, nil
}

// AnyImpressionBetween reports whether any impression was served between since and until,
// from the ts index alone.
func (s *Store) AnyImpressionBetween(ctx context.Context, since, until time.Time) (bool, error) {
	var served bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM impressions WHERE ts >= $1 AND ts <= $2)`,
		since.UTC().UnixNano(), until.UTC().UnixNano()).Scan(&served)
	if err != nil {
		return false, wrap("any impression", err)
	}
	return served, nil
}

// LatestImpressionOf returns the newest impression of user between since and until that
// showed item, among the user's newest lists in that span. The oldest list within the bound
// is read first from the (user_id, ts) index; then PostgreSQL walks that index newest first
// down to it and tests each list's items text for the item's entry
// (codec.ImpressionItemMark) on the server, stopping at the first match, the only list sent
// and decoded.
func (s *Store) LatestImpressionOf(ctx context.Context, user, item string, since, until time.Time, lists int) (store.Impression, error) {
	if user == "" {
		return store.Impression{}, fmt.Errorf("impression of %q: %w", item, store.ErrNotFound)
	}
	lo, hi := since.UTC().UnixNano(), until.UTC().UnixNano()
	// The scan's lower end is the oldest list within the bound (ts for the index range, the
	// id for lists served at the same nanosecond), or since when there is no bound.
	cutTS, cutID := lo, ""
	if lists > 0 {
		err := s.pool.QueryRow(ctx, `SELECT ts, id FROM impressions WHERE user_id = $1 AND ts >= $2 AND ts <= $3
			ORDER BY ts DESC, id DESC LIMIT 1 OFFSET $4`, user, lo, hi, lists-1).Scan(&cutTS, &cutID)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) { // no row: fewer lists than the bound
			return store.Impression{}, wrap("latest impression", err)
		}
	}
	im, err := scanImpression(s.pool.QueryRow(ctx, `SELECT `+impressionCols+` FROM impressions
		WHERE user_id = $1 AND ts >= $2 AND ts <= $3 AND (ts, id) >= ($4, $5) AND strpos(items, $6) > 0
		ORDER BY ts DESC, id DESC LIMIT 1`, user, cutTS, hi, cutTS, cutID, codec.ImpressionItemMark(item)))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Impression{}, fmt.Errorf("impression of %q for %q: %w", item, user, store.ErrNotFound)
	}
	if err != nil {
		return store.Impression{}, wrap("latest impression", err)
	}
	it, ok := store.ItemEntry(im.Items, item)
	if !ok { // the mark matched but the decoded list does not show the item: a codec bug
		return store.Impression{}, fmt.Errorf("latest impression: list %s matched %q but does not show it", im.ID, item)
	}
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

// deleteImpressions deletes the impressions matching where.
func (s *Store) deleteImpressions(ctx context.Context, op, where string, arg any) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM impressions WHERE `+where, arg)
	if err != nil {
		return 0, wrap(op, err)
	}
	return int(tag.RowsAffected()), nil
}

var _ store.ImpressionPages = (*Store)(nil)

// LaterPages returns the pages served after the first page parent, through the partial index
// on parent.
func (s *Store) LaterPages(ctx context.Context, parent string, limit int) ([]store.Impression, error) {
	if parent == "" || limit <= 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT `+impressionCols+` FROM impressions
		WHERE parent = $1 AND parent <> '' ORDER BY id LIMIT $2`, parent, limit)
	if err != nil {
		return nil, wrap("later pages", err)
	}
	defer rows.Close()
	var out []store.Impression
	for rows.Next() {
		im, err := scanImpression(rows)
		if err != nil {
			return nil, wrap("later pages", err)
		}
		out = append(out, im)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("later pages", err)
	}
	return out, nil
}
