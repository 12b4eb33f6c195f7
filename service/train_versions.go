package service

import (
	"context"
	"fmt"

	"github.com/recd/recd/store"
)

// DefaultKeepVersions is how many newest model versions training keeps by default.
const DefaultKeepVersions = 3

// Metric names under which a version records the store's state its training run read.
const (
	metricInputEvents  = "input_events"
	metricInputItems   = "input_items"
	metricInputChanges = "input_changes"
)

// inputMark summarises what a training run reads, cheaply: the number of events and items
// and the newest catalog change (item puts and deletes, user deletes). Events are only ever
// appended or deleted with their user, so equal marks mean the same training input. Known
// is false for a store without a change feed: such a mark never matches.
type inputMark struct {
	Events, Items, Changes int64
	Known                  bool
}

// readMark reads the store's current mark.
func (t *trainer) readMark(ctx context.Context) (inputMark, error) {
	cf, ok := t.st.(store.ChangeFeed)
	if !ok {
		return inputMark{}, nil
	}
	events, err := t.st.CountEvents(ctx)
	if err != nil {
		return inputMark{}, fmt.Errorf("count events: %w", err)
	}
	items, err := t.st.CountItems(ctx)
	if err != nil {
		return inputMark{}, fmt.Errorf("count items: %w", err)
	}
	changes, err := cf.MaxChangeSeq(ctx)
	if err != nil {
		return inputMark{}, fmt.Errorf("read change feed: %w", err)
	}
	return inputMark{Events: int64(events), Items: int64(items), Changes: changes, Known: true}, nil
}

// addTo records the mark in a version's metrics (nothing when unknown).
func (m inputMark) addTo(metrics map[string]float64) {
	if !m.Known {
		return
	}
	metrics[metricInputEvents], metrics[metricInputItems] = float64(m.Events), float64(m.Items)
	metrics[metricInputChanges] = float64(m.Changes)
}

// matches says whether a version's metrics record this mark.
func (m inputMark) matches(metrics map[string]float64) bool {
	ev, ok1 := metrics[metricInputEvents]
	it, ok2 := metrics[metricInputItems]
	ch, ok3 := metrics[metricInputChanges]
	return m.Known && ok1 && ok2 && ok3 && ev == float64(m.Events) && it == float64(m.Items) && ch == float64(m.Changes)
}

// upToDate says whether a run would retrain the same input: the newest saved version is the
// one being served and it was trained from mark in. It then returns the served version's info
// with Skipped and Reason set. Only metadata is read.
func (t *trainer) upToDate(ctx context.Context, in inputMark) (ModelInfo, bool, error) {
	sv := t.snap.Load()
	if sv == nil || !in.Known {
		return ModelInfo{}, false, nil
	}
	arts, err := t.st.ListArtifacts(ctx)
	if err != nil {
		return ModelInfo{}, false, fmt.Errorf("list models: %w", err)
	}
	for _, a := range arts {
		if a.Kind != artifactKind {
			continue
		}
		if a.Version != sv.info.Version || !in.matches(a.Metrics) {
			return ModelInfo{}, false, nil
		}
		info := sv.info
		info.Skipped = true
		info.Reason = "no new events or catalog changes since version " + a.Version
		return info, true, nil
	}
	return ModelInfo{}, false, nil
}

// prune deletes saved versions beyond the newest KeepVersions, never the one being served,
// one a stored experiment that has not finished pins (model_version), nor one
// Options.ProtectedVersions names. It runs after each successful training run; a
// failure is logged, as the new version already serves.
func (t *trainer) prune(ctx context.Context) {
	keep := t.opts.KeepVersions
	if keep <= 0 {
		keep = DefaultKeepVersions
	}
	protected := map[string]bool{}
	if sv := t.snap.Load(); sv != nil {
		protected[sv.info.Version] = true
	}
	if t.pinned != nil {
		vs, err := t.pinned(ctx)
		if err != nil { // a pinned version might be among the old ones: prune another time
			t.log.Error("pruning skipped: the experiments' pinned versions are unknown", "err", err)
			return
		}
		for _, v := range vs {
			protected[v] = true
		}
	}
	if f := t.opts.ProtectedVersions; f != nil {
		for _, v := range f() {
			protected[v] = true
		}
	}
	deleted, err := store.PruneArtifacts(ctx, t.st, artifactKind, keep, func(v string) bool { return protected[v] })
	if err != nil {
		t.log.Error("pruning old model versions failed", "err", err)
	}
	if len(deleted) > 0 {
		t.log.Info("pruned old model versions", "deleted", deleted, "kept", keep)
	}
}
