package experiment

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// randomList returns n distinct ids out of a universe of m.
func randomList(rng *rand.Rand, n, m int) []string {
	out := make([]string, 0, n)
	for _, i := range rng.Perm(m)[:n] {
		out = append(out, fmt.Sprint("i", i))
	}
	return out
}

func TestTeamDraft_Invariants(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for trial := range 2000 {
		a, b := randomList(rng, 1+rng.IntN(30), 40), randomList(rng, 1+rng.IntN(30), 40)
		n := 1 + rng.IntN(40)
		picks := TeamDraft(a, b, n, rng.Uint64())
		seen := map[string]bool{}
		var count [2]int
		lists := [2][]string{a, b}
		union := map[string]bool{}
		for _, id := range append(slices.Clone(a), b...) {
			union[id] = true
		}
		for k, p := range picks {
			if seen[p.ID] {
				t.Fatalf("trial %d: %s placed twice", trial, p.ID)
			}
			if !slices.Contains(lists[p.Team], p.ID) {
				t.Fatalf("trial %d: %s credited to team %d, whose list lacks it", trial, p.ID, p.Team)
			}
			// A team picks its highest item not yet taken: everything above it is taken.
			for _, above := range lists[p.Team][:slices.Index(lists[p.Team], p.ID)] {
				if !seen[above] {
					t.Fatalf("trial %d: team %d picked %s over its higher %s", trial, p.Team, p.ID, above)
				}
			}
			seen[p.ID] = true
			count[p.Team]++
			// While both teams still have items, neither is ahead by more than one.
			if k+1 < len(picks) && remaining(lists[0], seen) > 0 && remaining(lists[1], seen) > 0 {
				if d := count[0] - count[1]; d > 1 || d < -1 {
					t.Fatalf("trial %d: counts %v after %d picks", trial, count, k+1)
				}
			}
		}
		if want := min(n, len(union)); len(picks) != want {
			t.Fatalf("trial %d: %d picks, want %d", trial, len(picks), want)
		}
	}
}

func remaining(list []string, seen map[string]bool) int {
	n := 0
	for _, id := range list {
		if !seen[id] {
			n++
		}
	}
	return n
}

func TestTeamDraft_ReplaysAndFlipsFairly(t *testing.T) {
	a := []string{"a1", "a2", "a3", "a4"}
	b := []string{"b1", "b2", "b3", "b4"}
	if !slices.Equal(TeamDraft(a, b, 6, 42), TeamDraft(a, b, 6, 42)) {
		t.Error("one seed gave two merges")
	}
	first := 0
	const n = 10000
	for i := range n {
		if TeamDraft(a, b, 1, Seed(fmt.Sprint("rec", i)))[0].Team == 0 {
			first++
		}
	}
	if first < n*45/100 || first > n*55/100 {
		t.Errorf("team 0 picked first in %d of %d merges, want about half", first, n)
	}
	// Identical lists: the teams share the items, alternating.
	p := TeamDraft(a, a, 4, 1)
	if p[0].Team == p[1].Team || p[2].Team == p[3].Team {
		t.Errorf("identical lists were not split by rounds: %v", p)
	}
}

func TestTeamDraft_OneListShort(t *testing.T) {
	picks := TeamDraft([]string{"x"}, []string{"b1", "b2", "b3"}, 4, 3)
	var ids []string
	for _, p := range picks {
		ids = append(ids, p.ID)
	}
	if len(picks) != 4 || !slices.Contains(ids, "x") {
		t.Errorf("picks = %v, want x and all three of b", picks)
	}
}
