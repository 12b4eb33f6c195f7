package model

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestTrending_Remove removes one user's summed contributions from a counter fed by two users:
// the scores are those of a counter fed by the other user alone, and an item only the removed
// user fed is gone.
func TestTrending_Remove(t *testing.T) {
	all, others := NewTrending(24*time.Hour), NewTrending(24*time.Hour)
	r := rand.New(rand.NewPCG(3, 4))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	mass := map[string]float64{}
	for range 200 {
		item := string(rune('a' + r.IntN(5)))
		w, at := float64(1+r.IntN(3)), base.Add(time.Duration(r.IntN(240))*time.Hour)
		all.Add(item, w, at)
		if item == "e" || r.IntN(2) == 0 { // the removed user's event; only they touch "e"
			m, ok := mass[item]
			if !ok {
				m = math.Inf(-1)
			}
			mass[item] = LogAddExp(m, all.Contribution(w, at))
			continue
		}
		others.Add(item, w, at)
	}
	for item, m := range mass {
		all.Remove(item, m)
	}
	if _, ok := all.logS["e"]; ok {
		t.Error("item e, fed only by the removed events, is still counted")
	}
	if all.Len() != others.Len() {
		t.Fatalf("%d items left, want %d", all.Len(), others.Len())
	}
	for item, want := range others.logS {
		if got := all.logS[item]; math.Abs(got-want) > 1e-9 {
			t.Errorf("score of %s = %v, want %v", item, got, want)
		}
	}
}
