package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/recd/recd/store"
	"github.com/recd/recd/store/internal/codec"
)

var _ store.Experiments = (*Store)(nil)

// PutExperiment stores or replaces one definition in one transaction.
func (s *Store) PutExperiment(ctx context.Context, rec store.ExperimentRecord) (bool, error) {
	created := false
	now := rec.Updated.UTC().UnixNano()
	err := s.write(ctx, "put experiment", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE experiments SET spec = ?, updated = ? WHERE id = ?`, rec.Spec, now, rec.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		created = true
		_, err = tx.ExecContext(ctx, `INSERT INTO experiments (id, spec, created, updated) VALUES (?, ?, ?, ?)`,
			rec.ID, rec.Spec, rec.Created.UTC().UnixNano(), now)
		return err
	})
	return created, err
}

func scanExperiment(row interface{ Scan(...any) error }) (store.ExperimentRecord, error) {
	var rec store.ExperimentRecord
	var created, updated int64
	err := row.Scan(&rec.ID, &rec.Spec, &created, &updated)
	rec.Created, rec.Updated = codec.Time(created), codec.Time(updated)
	return rec, err
}

// GetExperiment returns one definition.
func (s *Store) GetExperiment(ctx context.Context, id string) (store.ExperimentRecord, error) {
	rec, err := scanExperiment(s.r.QueryRowContext(ctx, `SELECT id, spec, created, updated FROM experiments WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return rec, fmt.Errorf("experiment %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return rec, wrap("get experiment", err)
	}
	return rec, nil
}

// ListExperiments returns every definition by id.
func (s *Store) ListExperiments(ctx context.Context) ([]store.ExperimentRecord, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, spec, created, updated FROM experiments ORDER BY id`)
	if err != nil {
		return nil, wrap("list experiments", err)
	}
	defer rows.Close()
	var out []store.ExperimentRecord
	for rows.Next() {
		rec, err := scanExperiment(rows)
		if err != nil {
			return nil, wrap("list experiments", err)
		}
		out = append(out, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list experiments", err)
	}
	return out, nil
}

// DeleteExperiment deletes one definition.
func (s *Store) DeleteExperiment(ctx context.Context, id string) error {
	var n int64
	err := s.write(ctx, "delete experiment", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM experiments WHERE id = ?`, id)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err == nil && n == 0 {
		return fmt.Errorf("experiment %q: %w", id, store.ErrNotFound)
	}
	return err
}

// ScanExperimentLists reads the events attributed to the experiment's lists first (through
// the recommendation-id index), then streams the lists through the experiment index.
func (s *Store) ScanExperimentLists(ctx context.Context, experiment string, fn func(store.ExperimentList) error) error {
	evs, err := s.experimentEvents(ctx, experiment)
	if err != nil {
		return err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+impressionCols+` FROM impressions WHERE experiment = ? ORDER BY id`, experiment)
	if err != nil {
		return wrap("scan experiment lists", err)
	}
	defer rows.Close()
	for rows.Next() {
		im, err := scanImpression(rows)
		if err != nil {
			return wrap("scan experiment lists", err)
		}
		if err := fn(store.ExperimentList{Impression: im, Events: evs[im.ID]}); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return wrap("scan experiment lists", err)
	}
	return nil
}

// experimentEvents returns the events citing the experiment's lists, by recommendation id.
func (s *Store) experimentEvents(ctx context.Context, experiment string) (map[string][]store.AttributedEvent, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT e.recommendation_id, e.item_id, e.type, e.position FROM impressions i
		JOIN events e ON e.recommendation_id = i.id WHERE i.experiment = ? ORDER BY e.seq`, experiment)
	if err != nil {
		return nil, wrap("experiment events", err)
	}
	defer rows.Close()
	out := map[string][]store.AttributedEvent{}
	for rows.Next() {
		var id string
		var ev store.AttributedEvent
		if err := rows.Scan(&id, &ev.ItemID, &ev.Type, &ev.Position); err != nil {
			return nil, wrap("experiment events", err)
		}
		out[id] = append(out[id], ev)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("experiment events", err)
	}
	return out, nil
}
