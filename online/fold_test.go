package online_test

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/recd/recd/online"
)

func f64(v float64) *float64 { return &v }

func window() online.Query {
	return online.Query{From: t0, To: t0.Add(time.Hour), GroupBy: online.ByVariant, Experiment: "exp1"}
}

func opts() online.Options {
	o := online.DefaultOptions()
	o.K = 3
	return o
}

func fold(t *testing.T, st scanStore, q online.Query, o online.Options) *online.Result {
	t.Helper()
	r, err := online.Fold(t.Context(), st, env(st), q, o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func group(t *testing.T, r *online.Result, key string) online.Group {
	t.Helper()
	for _, g := range r.Groups {
		if g.Key == key {
			return g
		}
	}
	t.Fatalf("no group %q in %+v", key, r.Groups)
	return online.Group{}
}

// The numbers of seed's fixture, worked out by hand in its comment's terms (K = 3).
var (
	wantA = online.Metrics{Lists: 2, Items: 6, Users: 1, Clicks: 2, Conversions: 1,
		CTRAtK: 1.0 / 5, CTR: 2.0 / 6, ClickRate: 0.5, ConversionRate: 0.5, MRR: 0.5 / 2,
		PositionCTR: []float64{0, 0.5, 0}, DistinctItems: 5, Coverage: f64(0.5),
		Novelty:         f64((1 + 2 + 3 + 6 + 2 + 6) / 6.0), // a b c d | b e
		ModelAgeSeconds: f64((3600 + 3660) / 2.0),
		NewItemsDay:     f64(3.0 / 4), NewItemsWeek: f64(1)} // known: a b | b e
	wantB = online.Metrics{Lists: 2, Items: 5, Users: 2, Clicks: 2, Conversions: 1,
		CTRAtK: 2.0 / 5, CTR: 2.0 / 5, ClickRate: 1, ConversionRate: 0.5, MRR: (1.0/3 + 1) / 2,
		PositionCTR: []float64{0.5, 0, 1}, DistinctItems: 4, Coverage: f64(0.4),
		Novelty:         f64((1 + 3 + 6 + 1 + 2) / 5.0), // a c f | a b
		ModelAgeSeconds: f64((3720 + 3780) / 2.0),
		NewItemsDay:     f64(1.0 / 3), NewItemsWeek: f64(1)} // known: a | a b
)

func TestFold_HandCheckedByVariant(t *testing.T) {
	eachStore(t, func(t *testing.T, st scanStore) {
		seed(t, st)
		r := fold(t, st, window(), opts())
		if len(r.Groups) != 2 || r.Truncated || r.SkippedEvents != 2 || r.K != 3 {
			t.Errorf("groups %d, truncated %v, skipped %d, k %d; want 2, false, 2 (u2 on u1's list, position 5), 3",
				len(r.Groups), r.Truncated, r.SkippedEvents, r.K)
		}
		for key, want := range map[string]online.Metrics{"A": wantA, "B": wantB} {
			got := group(t, r, key)
			if !metricsNear(got.Metrics, want) {
				t.Errorf("group %s:\n got %+v\nwant %+v", key, show(got.Metrics), show(want))
			}
		}
		b := group(t, r, "B")
		wantUnits := []online.UnitTally{
			{Unit: "session:s9", Lists: 1, Items: 2, ItemsAtK: 2, Clicks: 1, ClicksAtK: 1, ClickedLists: 1, RR: 1},
			{Unit: "u2", Lists: 1, Items: 3, ItemsAtK: 3, Clicks: 1, ClicksAtK: 1, Conversions: 1, ClickedLists: 1, ConvertedLists: 1, RR: 1.0 / 3},
		}
		if !reflect.DeepEqual(b.Units, wantUnits) {
			t.Errorf("group B's units = %+v, want %+v", b.Units, wantUnits)
		}
	})
}

// Attribution never crosses users in the tallies: u2's click on u1's list counts for
// nobody, and u1's tally holds only u1's own events.
func TestFold_NeverCrossesUsers(t *testing.T) {
	eachStore(t, func(t *testing.T, st scanStore) {
		seed(t, st)
		r := fold(t, st, online.Query{From: t0, To: t0.Add(time.Hour)}, opts())
		all := group(t, r, online.GroupAll)
		byUnit := map[string]online.UnitTally{}
		for _, u := range all.Units {
			byUnit[u.Unit] = u
		}
		if u1 := byUnit["u1"]; u1.ClicksAtK != 1 || u1.Clicks != 2 || u1.RR != 0.5 {
			t.Errorf("u1's tally = %+v; want only u1's clicks on L1 (at 1 and 3), first at 1", u1)
		}
		if u2 := byUnit["u2"]; u2.Lists != 1 || u2.Clicks != 1 {
			t.Errorf("u2's tally = %+v; want its own list L3 and its one click there", u2)
		}
		// All units together: L1..L5 (L5 is exp2, in since no experiment is asked for).
		if all.Lists != 5 || all.Clicks != 5 || all.Users != 4 {
			t.Errorf("all: lists %d clicks %d users %d, want 5, 5, 4", all.Lists, all.Clicks, all.Users)
		}
	})
}

func TestFold_GroupByUserAttribute(t *testing.T) {
	eachStore(t, func(t *testing.T, st scanStore) {
		seed(t, st)
		o := opts()
		o.MinGapLists = 1
		q := online.Query{From: t0, To: t0.Add(time.Hour), GroupBy: "user.country"}
		r := fold(t, st, q, o)
		got := map[string]int64{}
		for _, g := range r.Groups {
			got[g.Key] = g.Lists
		}
		want := map[string]int64{"fr": 2, "de": 1, online.GroupAnonymous: 1, online.GroupUnknown: 1}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("lists per country = %v, want %v", got, want)
		}
		gap, ok := r.LargestGap["ctr_at_k"]
		if !ok || gap.Highest != "de" || gap.Lowest != "fr" || math.Abs(gap.Gap-(1.0/3-1.0/5)) > 1e-12 || gap.PValue != nil {
			t.Errorf("ctr_at_k gap = %+v; want de (1/3) over fr (1/5), no p-value with one user each", gap)
		}
		if g := r.LargestGap["mrr"]; g.Highest != "de" || g.High != 1.0/3 || g.Low != 0.25 {
			t.Errorf("mrr gap = %+v; want de 1/3 over fr 1/4", g)
		}
		// At the default minimum of 30 lists no group is large enough to rank.
		if r := fold(t, st, q, opts()); r.LargestGap != nil {
			t.Errorf("largest gap over groups of 1 and 2 lists: %+v", r.LargestGap)
		}
	})
}

func TestFold_BoundsGroupsAndLists(t *testing.T) {
	eachStore(t, func(t *testing.T, st scanStore) {
		seed(t, st)
		o := opts()
		o.MaxGroups = 1
		r := fold(t, st, window(), o)
		if len(r.Groups) != 2 || r.Groups[0].Key != "A" || r.Groups[1].Key != online.GroupOther {
			t.Fatalf("groups %+v, want A then other", r.Groups)
		}
		other := r.Groups[1].Metrics
		if !metricsNear(other, wantB) {
			t.Errorf("other (B folded in) = %+v, want B's %+v", show(other), show(wantB))
		}
		o = opts()
		o.MaxImpressions = 3
		r = fold(t, st, online.Query{From: t0, To: t0.Add(time.Hour)}, o)
		if !r.Truncated || r.ScannedTo == nil || !r.ScannedTo.Equal(t0.Add(3*time.Minute)) || r.Groups[0].Lists != 3 {
			t.Errorf("truncated %v at %v with %d lists; want true at L4's time with 3", r.Truncated, r.ScannedTo, r.Groups[0].Lists)
		}
	})
}

func TestFold_RejectsBadGroupBy(t *testing.T) {
	for _, g := range []string{"nope", "user.", "USER.x", "variant "} {
		if _, err := online.ParseGroupBy(g); err == nil {
			t.Errorf("ParseGroupBy(%q) accepted", g)
		}
	}
	if a, err := online.ParseGroupBy("user.age_band"); err != nil || a != "age_band" {
		t.Errorf("ParseGroupBy(user.age_band) = %q, %v", a, err)
	}
}

func metricsNear(got, want online.Metrics) bool {
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	nearP := func(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || near(*a, *b)) }
	if got.Lists != want.Lists || got.Items != want.Items || got.Users != want.Users || got.Clicks != want.Clicks ||
		got.Conversions != want.Conversions || got.DistinctItems != want.DistinctItems || len(got.PositionCTR) != len(want.PositionCTR) {
		return false
	}
	for i := range got.PositionCTR {
		if !near(got.PositionCTR[i], want.PositionCTR[i]) {
			return false
		}
	}
	return near(got.CTRAtK, want.CTRAtK) && near(got.CTR, want.CTR) && near(got.ClickRate, want.ClickRate) &&
		near(got.ConversionRate, want.ConversionRate) && near(got.MRR, want.MRR) && nearP(got.Coverage, want.Coverage) &&
		nearP(got.Novelty, want.Novelty) && nearP(got.ModelAgeSeconds, want.ModelAgeSeconds) &&
		nearP(got.NewItemsDay, want.NewItemsDay) && nearP(got.NewItemsWeek, want.NewItemsWeek)
}

// show renders metrics with their pointers' values.
func show(m online.Metrics) map[string]any {
	v := func(p *float64) any {
		if p == nil {
			return nil
		}
		return *p
	}
	return map[string]any{"lists": m.Lists, "items": m.Items, "users": m.Users, "clicks": m.Clicks, "conv": m.Conversions,
		"ctr@k": m.CTRAtK, "ctr": m.CTR, "click_rate": m.ClickRate, "conv_rate": m.ConversionRate, "mrr": m.MRR,
		"pos": m.PositionCTR, "distinct": m.DistinctItems, "coverage": v(m.Coverage), "novelty": v(m.Novelty),
		"age": v(m.ModelAgeSeconds), "day": v(m.NewItemsDay), "week": v(m.NewItemsWeek)}
}
