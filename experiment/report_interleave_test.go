package experiment

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/recd/recd/stats"
)

// One user's many lists are one unit: a user who won 30 lists for the first variant while 40
// others split evenly is not a significant preference, though the same lists counted one by
// one pass a sign test.
func TestDuel_UnitIsTheUser(t *testing.T) {
	var ds []Duel
	for range 30 {
		ds = append(ds, Duel{Unit: "keen", Clicks: [2]int{1, 0}})
	}
	for i := range 40 {
		c := [2]int{1, 0}
		if i%2 == 1 {
			c = [2]int{0, 1}
		}
		ds = append(ds, Duel{Unit: fmt.Sprint("u", i), Clicks: c})
	}
	r := duel(ds)
	if r.Wins != 50 || r.Losses != 20 || r.Users != 41 || r.UserWins != 21 || r.UserLosses != 20 {
		t.Fatalf("report %+v, want 50 lists won, 20 lost, 41 users of whom 21 prefer the first", r)
	}
	perList, _ := stats.SignTest(r.Wins, r.Losses)
	if !(perList < 0.01) || !(r.PValue > 0.2) {
		t.Errorf("p over users = %.3g, p of a sign test over lists = %.3g; want above 0.2 and below 0.01", r.PValue, perList)
	}
	// The margin counts: ten users whose lists gave the second variant three clicks to one.
	var wide []Duel
	for i := range 10 {
		wide = append(wide, Duel{Unit: fmt.Sprint("w", i), Clicks: [2]int{1, 3}})
	}
	for i := range 4 {
		wide = append(wide, Duel{Unit: fmt.Sprint("n", i), Clicks: [2]int{1, 0}})
	}
	if w := duel(wide); w.Difference.Value >= 0 || w.Difference.High >= 0 || w.PValue >= 0.01 {
		t.Errorf("margins of two clicks against one: %+v, want a negative difference at p < 0.01", w)
	}
}

func TestUnitDifferences_OrderFree(t *testing.T) {
	ds := []Duel{{Unit: "b", Clicks: [2]int{2, 0}}, {Unit: "a", Clicks: [2]int{0, 1}}, {Unit: "b", Clicks: [2]int{0, 1}}, {Unit: "c"}}
	want := []float64{-1, 1, 0}
	if got := UnitDifferences(ds); !slices.Equal(got, want) {
		t.Errorf("UnitDifferences = %v, want %v", got, want)
	}
	slices.Reverse(ds)
	if got := UnitDifferences(ds); !slices.Equal(got, want) {
		t.Errorf("reversed: UnitDifferences = %v, want %v", got, want)
	}
}

// interleavedRun simulates users team-draft interleaved lists of two rankings of 60 items (the
// same twice, or the second with the first's top two tens swapped):
// each user sees 1 + Poisson(3) lists of 10, examines position p with probability
// 1/(1+p)^0.8 and clicks an examined item with probability 0.6 if it is one of the user's 5
// relevant items, else 0.02. like(rng) says which ranking's top 10 the user's relevant items
// come from: 0, 1, or -1 for anywhere among the 60.
func interleavedRun(rng *rand.Rand, users int, same bool, like func(*rand.Rand) int) []Duel {
	a := randomList(rng, 60, 60)
	b := a
	if !same {
		// The second ranking swaps the first's top two tens: either ranking serves its likers
		// as well as the other serves its own, so a population split evenly prefers neither.
		b = slices.Concat(a[10:20], a[:10], a[20:])
	}
	lists := [2][]string{a, b}
	var ds []Duel
	for u := range users {
		relevant := map[string]bool{}
		switch l := like(rng); l {
		case 0, 1:
			for _, i := range rng.Perm(10)[:5] {
				relevant[lists[l][i]] = true
			}
		default:
			for _, i := range rng.Perm(60)[:5] {
				relevant[a[i]] = true
			}
		}
		visits := 1 + int(poisson(rng, 3))
		for range visits {
			d := Duel{Unit: fmt.Sprint("u", u)}
			for p, pick := range TeamDraft(a, b, 10, rng.Uint64()) {
				q := 0.02
				if relevant[pick.ID] {
					q = 0.6
				}
				if rng.Float64() < 1/math.Pow(float64(1+p), 0.8) && rng.Float64() < q {
					d.Clicks[pick.Team]++
				}
			}
			ds = append(ds, d)
		}
	}
	return ds
}

func poisson(rng *rand.Rand, lambda float64) int {
	k, p, l := 0, 1.0, math.Exp(-lambda)
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// Under the null the per-user test holds its level: with the same ranking on both sides
// (A/A), and with two different rankings that half the users prefer one way and half the
// other. The second null is where a sign test over lists fails: a user's lists lean the same
// way, so counting them as independent finds preferences that are not there.
func TestDuel_NullRejectionRate(t *testing.T) {
	const runs, users = 400, 60
	rng := rand.New(rand.NewPCG(21, 22))
	half := func(r *rand.Rand) int { return r.IntN(2) }
	anywhere := func(*rand.Rand) int { return -1 }
	for _, tc := range []struct {
		name string
		same bool
		like func(*rand.Rand) int
	}{{"A/A", true, anywhere}, {"A/A, users liking the top", true, half}, {"users split between the rankings", false, half}} {
		perUser, perList := 0, 0
		for range runs {
			r := duel(interleavedRun(rng, users, tc.same, tc.like))
			if r.PValue < 0.05 {
				perUser++
			}
			if p, _ := stats.SignTest(r.Wins, r.Losses); p < 0.05 {
				perList++
			}
		}
		u, l := float64(perUser)/runs, float64(perList)/runs
		t.Logf("%s, %d runs of %d users: p < 0.05 over users in %.3f, by a sign test over lists in %.3f", tc.name, runs, users, u, l)
		// Binomial(400, 0.05) has sd 0.011; allow about three.
		if u < 0.02 || u > 0.085 {
			t.Errorf("%s: rejection rate at 5%% over users = %.3f, want 0.02..0.085", tc.name, u)
		}
		if !tc.same && l < 0.1 {
			t.Errorf("%s: the sign test over lists rejected in %.3f; the simulation no longer shows its flaw", tc.name, l)
		}
	}
}

// Users who all prefer the second ranking's top items are found at p < 0.01 in most runs.
func TestDuel_DetectsAPreference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	found := 0
	const runs = 100
	for range runs {
		r := duel(interleavedRun(rng, 40, false, func(*rand.Rand) int { return 1 }))
		if r.PValue < 0.01 && r.Difference.High < 0 {
			found++
		}
	}
	t.Logf("40 users preferring the second ranking: found at p < 0.01 in %d of %d runs", found, runs)
	if found < 90 {
		t.Errorf("found in %d of %d runs, want 90 or more", found, runs)
	}
}
