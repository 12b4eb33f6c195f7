package service

import (
	"context"
	"maps"
	"slices"

	"github.com/recd/recd"
	"github.com/recd/recd/experiment"
	"github.com/recd/recd/store"
)

// ExperimentReport computes an experiment's report from the lists served under it (as far as
// feedback.retention keeps them) and the events attributed to them: a click event counts as
// a click, a purchase as a conversion, each at most once per item of a list. Its cost grows
// with those lists; it holds one tally per unit and variant in memory.
func (s *Service) ExperimentReport(ctx context.Context, id string) (experiment.Report, error) {
	info, err := s.exps.get(ctx, id)
	if err != nil {
		return experiment.Report{}, err
	}
	x := info.Experiment
	agg := newReportTallies(&x)
	if err := s.exps.st.ScanExperimentLists(ctx, id, func(l store.ExperimentList) error {
		agg.add(&l)
		return ctx.Err()
	}); err != nil {
		return experiment.Report{}, err
	}
	return experiment.Compute(&x, info.Status, agg.data()), nil
}

// reportTallies folds an experiment's lists into per-unit tallies by variant and, under
// interleaving, one duel per list. It belongs to one report computation.
type reportTallies struct {
	x     *experiment.Experiment
	units []map[string]*experiment.Tally // by variant index, by unit
	duels []experiment.Duel
}

func newReportTallies(x *experiment.Experiment) *reportTallies {
	t := &reportTallies{x: x, units: make([]map[string]*experiment.Tally, len(x.Variants))}
	for i := range t.units {
		t.units[i] = map[string]*experiment.Tally{}
	}
	return t
}

// unitKey is the unit a list was served to, as serving assigned it (running.unitOf), kept
// apart by kind so that a user and a session of the same id are two units.
func (t *reportTallies) unitKey(im *store.Impression) string {
	if t.x.Unit == experiment.UnitSession && im.SessionID != "" {
		return "s\x00" + im.SessionID
	}
	if im.UserID != "" {
		return "u\x00" + im.UserID
	}
	return "s\x00" + im.SessionID
}

func (t *reportTallies) tally(variant int, unit string) *experiment.Tally {
	u := t.units[variant][unit]
	if u == nil {
		u = &experiment.Tally{}
		t.units[variant][unit] = u
	}
	return u
}

// add folds one list in: under A/B into its variant's unit; under interleaving each item into
// the unit's tally of the variant that placed it, and the list's clicks into a duel.
func (t *reportTallies) add(l *store.ExperimentList) {
	unit := t.unitKey(&l.Impression)
	clicked, converted := map[string]bool{}, map[string]bool{}
	for _, ev := range l.Events {
		switch ev.Type {
		case recd.EventClick:
			clicked[ev.ItemID] = true
		case recd.EventPurchase:
			converted[ev.ItemID] = true
		}
	}
	if l.Variant != experiment.Interleaved {
		_, v := t.x.Variant(l.Variant)
		if v < 0 {
			return // a variant the definition no longer has
		}
		u := t.tally(v, unit)
		u.Impressions += len(l.Items)
		for _, it := range l.Items {
			u.Clicks += b2i(clicked[it.ItemID])
			u.Conversions += b2i(converted[it.ItemID])
		}
		return
	}
	var d experiment.Duel
	for _, it := range l.Items {
		_, v := t.x.Variant(it.Variant)
		if v < 0 || v > 1 {
			continue
		}
		u := t.tally(v, unit)
		u.Impressions++
		if clicked[it.ItemID] {
			u.Clicks++
			d.Clicks[v]++
		}
		u.Conversions += b2i(converted[it.ItemID])
	}
	t.duels = append(t.duels, d)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// data returns the tallies as the report's input, each variant's units in key order so that
// every replica sums them alike.
func (t *reportTallies) data() experiment.Data {
	d := experiment.Data{Units: make([][]experiment.Tally, len(t.units)), Duels: t.duels}
	for i, m := range t.units {
		d.Units[i] = make([]experiment.Tally, 0, len(m))
		for _, k := range slices.Sorted(maps.Keys(m)) {
			d.Units[i] = append(d.Units[i], *m[k])
		}
	}
	return d
}
