package service

import (
	"maps"
	"math"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/recd/recd/experiment"
)

// An interleaved request ranks the request under both variants but shows only the merged
// list: the exposure counter and the user's rotation counts take one exposure of each item
// shown and none of an item only ranked; a next page of the list likewise counts its own
// items only. A preview counts nothing.
func TestService_Experiment_InterleavedCountsShownOnly(t *testing.T) {
	s := openTrained(t, filepath.Join(t.TempDir(), "recd.db"), nil, "")
	ctx := t.Context()
	x := runningAB("counts")
	x.Design = experiment.DesignInterleaving
	if _, _, err := s.PutExperiment(ctx, x); err != nil {
		t.Fatal(err)
	}
	const user = "u04"
	prev, err := s.PreviewExperiment(ctx, "counts", user, 10)
	if err != nil {
		t.Fatal(err)
	}
	ranked := map[string]bool{}
	for _, v := range prev.Variants {
		for _, it := range v.Items {
			ranked[it.ID] = true
		}
	}
	// counts reads every ranked item's exposure and rotation count.
	counts := func() (exp, rot map[string]float64) {
		exp, rot = map[string]float64{}, map[string]float64{}
		for id := range ranked {
			exp[id], rot[id] = s.ExposureCount(id), s.read.rot.count(user, id, time.Now())
		}
		return exp, rot
	}
	// check asserts that since before, the shown items gained one exposure each and every
	// other ranked item none, in the counter and in the user's rotation counts.
	check := func(what string, exp, rot map[string]float64, shown []string) {
		t.Helper()
		e, r := counts()
		for id := range ranked {
			want := 0.0
			if slices.Contains(shown, id) {
				want = 1
			}
			if got := e[id] - exp[id]; math.Abs(got-want) > 0.01 {
				t.Errorf("%s: exposure of %s grew by %.3f, want %v (shown %v)", what, id, got, want, shown)
			}
			if got := r[id] - rot[id]; math.Abs(got-want) > 0.01 {
				t.Errorf("%s: rotation count of %s grew by %.3f, want %v (shown %v)", what, id, got, want, shown)
			}
		}
	}
	if len(prev.Variants) != 2 || len(ranked) <= 10 {
		t.Fatalf("preview %+v: want two variants ranking more than 10 distinct items", prev)
	}
	if e, _ := counts(); slices.ContainsFunc(slices.Collect(maps.Values(e)), func(v float64) bool { return v != 0 }) {
		t.Errorf("a preview counted exposure: %v", e)
	}

	half := 0.5
	exp, rot := counts()
	got, err := s.Recommend(ctx, RecommendRequest{UserID: user, N: 10, Rotation: &half})
	if err != nil {
		t.Fatal(err)
	}
	if got.Variant != experiment.Interleaved {
		t.Fatalf("served %q, want an interleaved list", got.Variant)
	}
	check("first page", exp, rot, ids(got.Items))

	if err := s.FlushImpressions(ctx); err != nil {
		t.Fatal(err)
	}
	exp, rot = counts()
	next, err := s.Next(ctx, NextRequest{ID: got.RecommendationID, N: 5})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range next.Items {
		ranked[it.ID] = true // an item neither first ranking held starts from 0
	}
	check("next page", exp, rot, ids(next.Items))
}
