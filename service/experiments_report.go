package service

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/recd/recd/experiment"
	"github.com/recd/recd/online"
	"github.com/recd/recd/store"
)

// ExperimentReport computes an experiment's report from the lists served under it (as far as
// feedback.retention keeps them) and the events attributed to them. An A/B experiment is
// folded by online metrics (online.Fold, grouped by variant, 100 positions deep): a unit's
// clicks and conversions are its distinct clicked and converted (list, position) pairs of
// feedback.click_types and feedback.conversion_types. An interleaving experiment needs each
// item's credit, which the fold does not keep: its lists are scanned with the events citing
// them (store.Experiments), the same event types counting. Either way the report holds one
// tally per unit and variant in memory.
func (s *Service) ExperimentReport(ctx context.Context, id string) (experiment.Report, error) {
	info, err := s.exps.get(ctx, id)
	if err != nil {
		return experiment.Report{}, err
	}
	x := info.Experiment
	var d experiment.Data
	if x.Design == experiment.DesignInterleaving {
		agg := newReportTallies(&x, s.opts.Feedback)
		err = s.exps.st.ScanExperimentLists(ctx, id, func(l store.ExperimentList) error {
			agg.add(&l)
			return ctx.Err()
		})
		d = agg.data()
	} else {
		d, err = s.abData(ctx, &x)
	}
	if err != nil {
		return experiment.Report{}, err
	}
	return experiment.Compute(&x, info.Status, d), nil
}

// abData folds the A/B experiment's lists, from its start to its end or now, by variant.
func (s *Service) abData(ctx context.Context, x *experiment.Experiment) (experiment.Data, error) {
	to := time.Now()
	if x.End.Before(to) {
		to = x.End
	}
	if !to.After(x.Start) {
		to = x.Start.Add(time.Nanosecond)
	}
	res, err := s.OnlineMetrics(ctx, online.Query{From: x.Start, To: to, GroupBy: online.ByVariant, Experiment: x.ID}, online.MaxK)
	if err != nil {
		return experiment.Data{}, err
	}
	d := experiment.Data{Units: make([][]experiment.Tally, len(x.Variants)), Truncated: res.Truncated}
	for _, g := range res.Groups {
		_, v := x.Variant(g.Key)
		if v < 0 {
			continue // a variant the definition no longer has
		}
		for _, u := range g.Units {
			d.Units[v] = append(d.Units[v], experiment.Tally{Impressions: int(u.ItemsAtK), Clicks: int(u.ClicksAtK),
				Conversions: int(u.Conversions)})
		}
	}
	return d, nil
}

// reportTallies folds an experiment's lists into per-unit tallies by variant and, under
// interleaving, one duel per list, named by its unit (the report's test is over units). It
// belongs to one report computation.
type reportTallies struct {
	x                 *experiment.Experiment
	clicks, converted []string                       // the event types counted
	units             []map[string]*experiment.Tally // by variant index, by unit
	duels             []experiment.Duel
}

func newReportTallies(x *experiment.Experiment, fb FeedbackOptions) *reportTallies {
	t := &reportTallies{x: x, clicks: fb.ClickTypes, converted: fb.ConversionTypes,
		units: make([]map[string]*experiment.Tally, len(x.Variants))}
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

// add folds one interleaved list in: each item into the unit's tally of the variant that
// placed it, and the list's clicks into a duel. A list not interleaved is skipped.
func (t *reportTallies) add(l *store.ExperimentList) {
	unit := t.unitKey(&l.Impression)
	if l.Variant != experiment.Interleaved {
		return
	}
	clicked, converted := map[string]bool{}, map[string]bool{}
	for _, ev := range l.Events {
		clicked[ev.ItemID] = clicked[ev.ItemID] || slices.Contains(t.clicks, ev.Type)
		converted[ev.ItemID] = converted[ev.ItemID] || slices.Contains(t.converted, ev.Type)
	}
	d := experiment.Duel{Unit: unit}
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
