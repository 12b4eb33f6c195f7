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

var (
	_ store.Impressions     = (*Store)(nil)
	_ store.ImpressionSpans = (*Store)(nil)
)

const impressionCols = `id, user_id, session_id, route, strategy, model_version, ts, items, experiment, variant, parent, params, features`

// impressionArgs is how many values one row of impressionCols takes.
const impressionArgs = 13

// impressionRows is how many lists one multi-row INSERT of a flush carries at most.
const impressionRows = 100

// PutImpressions stores a batch of impressions in one transaction, one row per list and many
// rows per statement.
func (s *Store) PutImpressions(ctx context.Context, imps []store.Impression) error {
	if len(imps) == 0 {
		return nil
	}
	args := make([]any, 0, impressionArgs*len(imps))
	for _, im := range imps {
		items, err := codec.EncodeImpressionItems(im.Items)
		if err != nil {
			return fmt.Errorf("put impressions: %w", err)
		}
		features, err := codec.EncodeFeatureLog(im.Features)
		if err != nil {
			return fmt.Errorf("put impressions: %w", err)
		}
		args = append(args, im.ID, im.UserID, im.SessionID, im.Route, im.Strategy, im.ModelVersion, im.Time.UTC().UnixNano(), items, im.Experiment, im.Variant, im.Parent, im.Params, features)
	}
	return s.write(ctx, "put impressions", func(tx *sql.Tx) error {
		for len(args) > 0 {
			n := min(len(args)/impressionArgs, impressionRows)
			q := `INSERT INTO impressions (` + impressionCols + `) VALUES ` +
				repeatJoin("(?"+strings.Repeat(", ?", impressionArgs-1)+")", ", ", n)
			if _, err := tx.ExecContext(ctx, q, args[:impressionArgs*n]...); err != nil {
				return err
			}
			args = args[impressionArgs*n:]
		}
		return nil
	})
}

// scanImpression reads one row of impressionCols.
func scanImpression(row interface{ Scan(...any) error }) (store.Impression, error) {
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
	im, err := scanImpression(s.r.QueryRowContext(ctx, `SELECT `+impressionCols+` FROM impressions WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
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
	err := s.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM impressions WHERE ts >= ? AND ts <= ?)`,
		since.UTC().UnixNano(), until.UTC().UnixNano()).Scan(&served)
	if err != nil {
		return false, wrap("any impression", err)
	}
	return served, nil
}

// LatestImpressionOf returns the newest impression of user between since and until that
// showed item, among the user's newest lists in that span. The oldest list within the bound
// is read first from the (user_id, ts) index alone (it holds the id too); then SQLite walks
// that index newest first down to it and tests each list's items text for the item's entry
// (codec.ImpressionItemMark) without the text leaving the engine, stopping at the first
// match, which is the only list read and decoded.
func (s *Store) LatestImpressionOf(ctx context.Context, user, item string, since, until time.Time, lists int) (store.Impression, error) {
	if user == "" {
		return store.Impression{}, fmt.Errorf("impression of %q: %w", item, store.ErrNotFound)
	}
	lo, hi := since.UTC().UnixNano(), until.UTC().UnixNano()
	// The scan's lower end is the oldest list within the bound (ts for the index range, the
	// id for lists served at the same nanosecond), or since when there is no bound.
	cutTS, cutID := lo, ""
	if lists > 0 {
		err := s.rs.latestCut.QueryRowContext(ctx, user, lo, hi, lists-1).Scan(&cutTS, &cutID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) { // no row: fewer lists than the bound
			return store.Impression{}, wrap("latest impression", err)
		}
	}
	im, err := scanImpression(s.rs.latestShown.QueryRowContext(ctx, user, cutTS, hi, cutTS, cutID, codec.ImpressionItemMark(item)))
	return entryOf(im, err, user, item)
}

// entryOf is LatestImpressionOf's answer from the row found: the list with only item's entry.
func entryOf(im store.Impression, err error, user, item string) (store.Impression, error) {
	if errors.Is(err, sql.ErrNoRows) {
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
	return s.deleteImpressions(ctx, "delete user impressions", `user_id = ?`, user)
}

// DeleteImpressionsBefore deletes the impressions served before t.
func (s *Store) DeleteImpressionsBefore(ctx context.Context, t time.Time) (int, error) {
	return s.deleteImpressions(ctx, "delete old impressions", `ts < ?`, t.UTC().UnixNano())
}

// deleteImpressions deletes the impressions matching where.
func (s *Store) deleteImpressions(ctx context.Context, op, where string, arg any) (int, error) {
	var n int64
	err := s.write(ctx, op, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM impressions WHERE `+where, arg)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

var _ store.ImpressionPages = (*Store)(nil)

// LaterPages returns the pages served after the first page parent, through the partial index
// on parent.
func (s *Store) LaterPages(ctx context.Context, parent string, limit int) ([]store.Impression, error) {
	if parent == "" || limit <= 0 {
		return nil, nil
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+impressionCols+` FROM impressions
		WHERE parent = ? AND parent != '' ORDER BY id LIMIT ?`, parent, limit)
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
