package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/recd/recd/store"
	"github.com/recd/recd/store/internal/codec"
)

var _ store.Experiments = (*Store)(nil)

// PutExperiment stores or replaces one definition; xmax = 0 tells an insert from an update.
func (s *Store) PutExperiment(ctx context.Context, rec store.ExperimentRecord) (bool, error) {
	var created bool
	err := s.pool.QueryRow(ctx, `INSERT INTO experiments (id, spec, created, updated) VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET spec = EXCLUDED.spec, updated = EXCLUDED.updated
		RETURNING (xmax = 0)`, rec.ID, rec.Spec, rec.Created.UTC().UnixNano(), rec.Updated.UTC().UnixNano()).Scan(&created)
	if err != nil {
		return false, wrap("put experiment", err)
	}
	return created, nil
}

func scanExperiment(row pgx.Row) (store.ExperimentRecord, error) {
	var rec store.ExperimentRecord
	var created, updated int64
	err := row.Scan(&rec.ID, &rec.Spec, &created, &updated)
	rec.Created, rec.Updated = codec.Time(created), codec.Time(updated)
	return rec, err
}

// GetExperiment returns one definition.
func (s *Store) GetExperiment(ctx context.Context, id string) (store.ExperimentRecord, error) {
	rec, err := scanExperiment(s.pool.QueryRow(ctx, `SELECT id, spec, created, updated FROM experiments WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return rec, fmt.Errorf("experiment %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return rec, wrap("get experiment", err)
	}
	return rec, nil
}

// ListExperiments returns every definition by id.
func (s *Store) ListExperiments(ctx context.Context) ([]store.ExperimentRecord, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, spec, created, updated FROM experiments ORDER BY id`)
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
	tag, err := s.pool.Exec(ctx, `DELETE FROM experiments WHERE id = $1`, id)
	if err != nil {
		return wrap("delete experiment", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("experiment %q: %w", id, store.ErrNotFound)
	}
	return nil
}

// ScanExperimentLists reads the events attributed to the experiment's lists first (through
// the recommendation-id index), then streams the lists through the experiment index.
func (s *Store) ScanExperimentLists(ctx context.Context, experiment string, fn func(store.ExperimentList) error) error {
	evs, err := s.experimentEvents(ctx, experiment)
	if err != nil {
		return err
	}
	rows, err := s.pool.Query(ctx, `SELECT `+impressionCols+` FROM impressions WHERE experiment = $1 ORDER BY id`, experiment)
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
	rows, err := s.pool.Query(ctx, `SELECT e.recommendation_id, e.item_id, e.type, e.position FROM impressions i
		JOIN events e ON e.recommendation_id = i.id WHERE i.experiment = $1 ORDER BY e.seq`, experiment)
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
