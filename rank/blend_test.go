package rank

import (
	"errors"
	"math"
	"testing"

	"github.com/recd/recd"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestBlend(t *testing.T) {
	t.Run("golden minmax", func(t *testing.T) {
		cands := fixtureCandidates(t)
		golden(t, "blend_minmax", format(cands))
	})
	t.Run("golden rank weighted", func(t *testing.T) {
		opt := DefaultBlendOptions()
		opt.Normalisation = Rank
		opt.Weights = map[string]float64{"cf": 2, "popular": 0.5}
		cands, err := Blend(fixtureLists(), opt)
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "blend_rank", format(cands))
	})
	t.Run("minmax by hand", func(t *testing.T) {
		lists := []SourceList{
			{Name: "a", Items: []SourceScore{{ID: "x", Score: 10}, {ID: "y", Score: 5}, {ID: "z", Score: 0}}},
			{Name: "b", Items: []SourceScore{{ID: "y", Score: -1}, {ID: "z", Score: -3}}},
		}
		opt := DefaultBlendOptions()
		opt.Weights = map[string]float64{"a": 3, "b": 1}
		cands, err := Blend(lists, opt)
		if err != nil {
			t.Fatal(err)
		}
		// y: a=0.5, b=1 → (3*0.5+1*1)/4 = 0.625; x: a=1 → 3/4; z: a=0, b=0 → 0.
		want := map[string]float64{"x": 0.75, "y": 0.625, "z": 0}
		if got := ids(cands); got[0] != "x" || got[1] != "y" || got[2] != "z" {
			t.Fatalf("order = %v, want [x y z]", got)
		}
		for _, c := range cands {
			if !near(c.Score, want[c.ID]) {
				t.Errorf("%s score = %v, want %v", c.ID, c.Score, want[c.ID])
			}
			if len(c.Reasons) != len(c.Sources) {
				t.Errorf("%s has %d reasons for %d sources", c.ID, len(c.Reasons), len(c.Sources))
			}
		}
		if got := cands[1].Sources["a"]; !near(got, 0.5) {
			t.Errorf("y Sources[a] = %v, want 0.5", got)
		}
	})
	t.Run("rank with ties", func(t *testing.T) {
		items := []SourceScore{{ID: "a", Score: 1}, {ID: "b", Score: 3}, {ID: "c", Score: 3}, {ID: "d", Score: 0}}
		got := normalise(items, Rank, nil)
		// positions: b and c tie at 0 → 1; a at 2 → 1-2/4; d at 3 → 1-3/4.
		want := []float64{0.5, 1, 1, 0.25}
		for i := range want {
			if !near(got[i], want[i]) {
				t.Errorf("rank norm[%s] = %v, want %v", items[i].ID, got[i], want[i])
			}
		}
	})
	t.Run("equal scores get 1", func(t *testing.T) {
		got := normalise([]SourceScore{{ID: "a", Score: 2}, {ID: "b", Score: 2}}, MinMax, nil)
		if got[0] != 1 || got[1] != 1 {
			t.Errorf("got %v, want [1 1]", got)
		}
	})
	t.Run("duplicate keeps best", func(t *testing.T) {
		lists := []SourceList{{Name: "a", Items: []SourceScore{{ID: "x", Score: 0}, {ID: "y", Score: 1}, {ID: "x", Score: 0.5}}}}
		cands, err := Blend(lists, DefaultBlendOptions())
		if err != nil {
			t.Fatal(err)
		}
		if len(cands) != 2 || cands[1].ID != "x" || !near(cands[1].Score, 0.5) || len(cands[1].Reasons) != 1 {
			t.Errorf("got %+v, want x once with 0.5", cands)
		}
	})
	t.Run("bad input", func(t *testing.T) {
		bad := []struct {
			name  string
			lists []SourceList
			opt   BlendOptions
		}{
			{"negative weight", fixtureLists(), BlendOptions{Weights: map[string]float64{"cf": -1}, DefaultWeight: 1}},
			{"unknown normalisation", fixtureLists(), BlendOptions{DefaultWeight: 1, Normalisation: "zscore"}},
			{"unnamed source", []SourceList{{Items: []SourceScore{{ID: "x"}}}}, DefaultBlendOptions()},
			{"NaN score", []SourceList{{Name: "a", Items: []SourceScore{{ID: "x", Score: math.NaN()}}}}, DefaultBlendOptions()},
		}
		for _, tc := range bad {
			if _, err := Blend(tc.lists, tc.opt); !errors.Is(err, recd.ErrInvalid) {
				t.Errorf("%s: err = %v, want ErrInvalid", tc.name, err)
			}
		}
	})
}

func TestAnnotate(t *testing.T) {
	cands := []Candidate{{ID: "m1"}, {ID: "m7"}}
	tail, err := LongTailSet(map[string]int{"m1": 100, "m7": 2, "m3": 5, "m4": 1, "m5": 9}, 0.2)
	if err != nil {
		t.Fatal(err)
	}
	Annotate(cands, fixtureInfo{}, tail)
	if cands[0].LongTail || !cands[1].LongTail {
		t.Errorf("LongTail = %v, %v; want false, true", cands[0].LongTail, cands[1].LongTail)
	}
	if len(cands[1].Categories) != 2 || cands[1].Categories[1] != "Romance" {
		t.Errorf("categories of m7 = %v", cands[1].Categories)
	}
}
