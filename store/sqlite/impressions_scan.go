package sqlite

import (
	"context"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/store"
)

var _ store.ImpressionScanner = (*Store)(nil)

// scanPage is how many impressions or events one query of a window scan reads.
const scanPage = 1000

// ScanImpressions reads the window through the impressions_ts index, a page at a time with
// the (ts, id) of the last row as the key of the next page.
func (s *Store) ScanImpressions(ctx context.Context, from, to time.Time, fn func(store.Impression) error) error {
	lastTS, lastID := from.UTC().UnixNano(), "" // ids are never empty
	end := to.UTC().UnixNano()
	for {
		page, err := s.impressionPage(ctx, lastTS, lastID, end)
		if err != nil {
			return wrap("scan impressions", err)
		}
		for _, im := range page {
			if err := fn(im); err != nil {
				return err
			}
		}
		if len(page) < scanPage {
			return nil
		}
		last := page[len(page)-1]
		lastTS, lastID = last.Time.UnixNano(), last.ID
	}
}

// impressionPage reads the next page after (lastTS, lastID) of the lists served before end.
func (s *Store) impressionPage(ctx context.Context, lastTS int64, lastID string, end int64) ([]store.Impression, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+impressionCols+` FROM impressions
		WHERE ts >= ? AND ts < ? AND (ts > ? OR id > ?)
		ORDER BY ts, id LIMIT ?`, lastTS, end, lastTS, lastID, scanPage)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]store.Impression, 0, scanPage)
	for rows.Next() {
		im, err := scanImpression(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, im)
	}
	return out, rows.Err()
}

// ScanAttributedEvents reads the window through the events_attributed index, a page at a
// time keyed by the (ts, seq) of the last row.
func (s *Store) ScanAttributedEvents(ctx context.Context, from, to time.Time, fn func(recd.Event) error) error {
	lastTS, lastSeq := from.UTC().UnixNano(), int64(0) // seqs start at 1
	end := to.UTC().UnixNano()
	for {
		page, err := collectEvents(s.r.QueryContext(ctx, `SELECT `+eventCols+` FROM events
			WHERE recommendation_id != '' AND ts >= ? AND ts < ? AND (ts > ? OR seq > ?)
			ORDER BY ts, seq LIMIT ?`, lastTS, end, lastTS, lastSeq, scanPage))
		if err != nil {
			return wrap("scan attributed events", err)
		}
		for _, e := range page {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(page) < scanPage {
			return nil
		}
		last := page[len(page)-1]
		lastTS, lastSeq = last.Timestamp.UnixNano(), last.Seq
	}
}
