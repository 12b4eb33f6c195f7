package rank_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/rank"
)

func TestRotationFactor(t *testing.T) {
	for _, c := range []struct{ rotation, count, want float64 }{
		{0, 5, 1}, {0.5, 0, 1}, {0.5, 1, 1}, {0.5, 2, 0.5}, {0.5, 3, 0.25}, {0.5, 1.5, math.Sqrt(0.5)},
		{1, 2, 0}, {1, 1, 1}, {0.2, 4, 0.8 * 0.8 * 0.8},
	} {
		if got := rank.RotationFactor(c.rotation, c.count); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("RotationFactor(%v, %v) = %v, want %v", c.rotation, c.count, got, c.want)
		}
	}
}

func TestRotate(t *testing.T) {
	cands := func() []rank.Candidate {
		return []rank.Candidate{{ID: "a", Score: 1}, {ID: "b", Score: 0.8}, {ID: "c", Score: 0.6}, {ID: "d", Score: -0.1}}
	}
	t.Run("DemotesByTheFactorAndResorts", func(t *testing.T) {
		cs := cands()
		if err := rank.Rotate(cs, map[string]float64{"a": 3, "b": 1, "d": 2}, 0.5); err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprint(idsOf(cs), scoresOf(cs))
		want := fmt.Sprint([]string{"b", "c", "a", "d"}, []float64{0.8, 0.6, 0.25, -0.15})
		if got != want {
			t.Fatalf("got %s, want %s", got, want)
		}
	})
	t.Run("ZeroRotationOrNothingShownChangesNothing", func(t *testing.T) {
		for _, c := range []struct {
			shown    map[string]float64
			rotation float64
		}{{map[string]float64{"a": 9}, 0}, {nil, 1}} {
			cs := cands()
			if err := rank.Rotate(cs, c.shown, c.rotation); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(cs) != fmt.Sprint(cands()) {
				t.Fatalf("%v: got %v", c, cs)
			}
		}
	})
	t.Run("RejectsOutOfRange", func(t *testing.T) {
		for _, r := range []float64{-0.1, 1.1, math.NaN()} {
			if err := rank.Rotate(cands(), nil, r); err == nil {
				t.Errorf("rotation %v accepted", r)
			}
		}
	})
}

// TestPipeline_Rotation checks the rotation stage in the pipeline: the items shown before sink
// by their factor, the others keep their order, and rotation 0 (or nothing shown) gives the
// very list the pipeline gives without it, through the head shortcut as before.
func TestPipeline_Rotation(t *testing.T) {
	p, hist := benchPipeline(t, 1000)
	ctx := context.Background()
	base, err := p.Recommend(ctx, rank.Request{History: hist[:20], N: 20})
	if err != nil {
		t.Fatal(err)
	}
	top := idsOfRecs(base.Items)
	shown := map[string]float64{top[0]: 5, top[1]: 5, top[2]: 5}
	half, zero := 0.5, 0.0
	got, err := p.Recommend(ctx, rank.Request{History: hist[:20], N: 20, Rotation: &half, Shown: shown})
	if err != nil {
		t.Fatal(err)
	}
	ids := idsOfRecs(got.Items)
	for _, id := range top[:3] {
		if i := slices.Index(ids, id); i >= 0 && i <= slices.Index(top, id) {
			t.Errorf("%s shown 5 times stays at %d (was %d)", id, i, slices.Index(top, id))
		}
	}
	if want := top[3:13]; !slices.Equal(ids[:10], want) {
		t.Errorf("the items not shown before: got %v first, want %v", ids[:10], want)
	}
	heads := rank.HeadRuns(p)
	for _, req := range []rank.Request{
		{History: hist[:20], N: 20, Rotation: &zero, Shown: shown},
		{History: hist[:20], N: 20, Rotation: &half},
	} {
		same, err := p.Recommend(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(same) != fmt.Sprint(base) {
			t.Errorf("rotation %v with %d shown: got %v, want %v", *req.Rotation, len(req.Shown), same.Items, base.Items)
		}
	}
	if rank.HeadRuns(p) != heads+2 {
		t.Errorf("a request rotation cannot change did not take the head shortcut")
	}
}

func idsOf(cs []rank.Candidate) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

func scoresOf(cs []rank.Candidate) []float64 {
	out := make([]float64, len(cs))
	for i, c := range cs {
		out[i] = math.Round(c.Score*1e9) / 1e9
	}
	return out
}

func idsOfRecs(items []recd.Recommendation) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

// BenchmarkRotate is the rotation stage on a full pool (rank.pool, 1000 candidates) for a user
// with a full set of counts (200 items shown before, half of them in the pool).
func BenchmarkRotate(b *testing.B) {
	pool := make([]rank.Candidate, rank.DefaultOptions().Pool)
	shown := make(map[string]float64, 200)
	for i := range pool {
		pool[i] = rank.Candidate{ID: fmt.Sprint("i", i), Score: 1 / float64(i+1)}
		if i%10 == 0 {
			shown[pool[i].ID] = 3
			shown[fmt.Sprint("gone", i)] = 2
		}
	}
	cands := make([]rank.Candidate, len(pool))
	b.ReportAllocs()
	for b.Loop() {
		copy(cands, pool)
		if err := rank.Rotate(cands, shown, 0.5); err != nil {
			b.Fatal(err)
		}
	}
}
