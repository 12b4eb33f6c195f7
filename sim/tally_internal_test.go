package sim

import (
	"math"
	"slices"
	"testing"

	"github.com/recd/recd/stats"
)

// A user's interleaved lists add up to one difference, the users' differences are tested over
// users (the server report's test), and the lists keep their own counts.
func TestTally_InterleavedPerUser(t *testing.T) {
	tl := newTally()
	pair := &[2]string{"popular", "hybrid"}
	for _, r := range []*userRecord{
		{user: "u2", variants: []string{"interleaved", "interleaved"}, shown: []int{10, 10},
			duels: []map[string]int{{"hybrid": 2}, {"popular": 1, "hybrid": 1}}},
		{user: "u1", variants: []string{"interleaved"}, shown: []int{10}, duels: []map[string]int{{"popular": 3}}},
		{user: "u3", variants: []string{"interleaved"}, shown: []int{10}}, // no click
		{user: "u4", variants: []string{"interleaved"}, shown: []int{10}, duels: []map[string]int{{"hybrid": 1}}},
	} {
		tl.record(r, pair)
	}
	tl.finish()
	il := tl.Interleaved
	if want := []int{3, -2, 0, -1}; !slices.Equal(il.PerUser, want) {
		t.Fatalf("per-user differences %v, want %v (in user order)", il.PerUser, want)
	}
	if il.Wins != 1 || il.Losses != 2 || il.Ties != 1 || il.UserWins != 1 || il.UserLosses != 2 {
		t.Errorf("counts %+v, want 1 list won, 2 lost, 1 tied; 1 user preferring popular, 2 hybrid", il)
	}
	share, p := tl.Preference()
	m, _ := stats.TTest([]float64{3, -2, 0, -1}, 0.95)
	if share != 1.0/3 || p != m.P {
		t.Errorf("Preference = %v, %v; want 1/3 and the t-test's %v", share, p, m.P)
	}
	if sp, _ := stats.SignTest(1, 2); tl.ListSignP() != sp {
		t.Errorf("ListSignP = %v, want %v", tl.ListSignP(), sp)
	}
	if math.IsNaN(p) {
		t.Error("p is NaN")
	}
}
