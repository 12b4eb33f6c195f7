package indextest

import (
	"errors"
	"math"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
)

func vec(xs ...float32) []float32 { return xs }

func testUpsertReplaceDelete(t *testing.T, ix index.Index) {
	mustCreate(t, ix,
		index.SpaceConfig{Name: "a", Dim: 2, Metric: index.Dot},
		index.SpaceConfig{Name: "b", Dim: 2, Metric: index.Dot})
	mustUpsert(t, ix,
		index.Point{ID: "x", Vectors: map[string][]float32{"a": vec(1, 0), "b": vec(0, 1)}, Payload: index.Payload{Categories: []string{"old"}}},
		index.Point{ID: "y", Vectors: map[string][]float32{"a": vec(0, 1), "b": vec(1, 0)}})
	if got := count(t, ix, "a"); got != 2 {
		t.Fatalf("count(a) = %d, want 2", got)
	}
	t.Run("replace named space keeps others", func(t *testing.T) {
		mustUpsert(t, ix, index.Point{ID: "x", Vectors: map[string][]float32{"a": vec(0, 5)}, Payload: index.Payload{Categories: []string{"new"}}})
		hits := mustSearch(t, ix, index.SearchRequest{Space: "a", Vector: vec(0, 1), K: 2})
		if !equalStrings(ids(hits), []string{"x", "y"}) || !approx(float64(hits[0].Score), 5) {
			t.Fatalf("search a after replace = %v, want x(5) then y(1)", hits)
		}
		hits = mustSearch(t, ix, index.SearchRequest{Space: "b", Vector: vec(0, 1), K: 1})
		if len(hits) != 1 || hits[0].ID != "x" || !approx(float64(hits[0].Score), 1) {
			t.Fatalf("search b = %v, want x kept with score 1", hits)
		}
		if count(t, ix, "a") != 2 || count(t, ix, "b") != 2 {
			t.Fatalf("counts changed by replace")
		}
	})
	t.Run("payload replaced", func(t *testing.T) {
		old := mustSearch(t, ix, index.SearchRequest{Space: "b", Vector: vec(1, 1), K: 5, Filter: &index.Filter{Categories: []string{"old"}}})
		if len(old) != 0 {
			t.Fatalf("filter on replaced category old = %v, want none", old)
		}
		got := mustSearch(t, ix, index.SearchRequest{Space: "b", Vector: vec(1, 1), K: 5, Filter: &index.Filter{Categories: []string{"new"}}})
		if !equalStrings(ids(got), []string{"x"}) {
			t.Fatalf("filter on category new = %v, want [x]", got)
		}
	})
	t.Run("delete removes from every space", func(t *testing.T) {
		if err := ix.Delete(ctx, []string{"x", "never-existed"}); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		for _, s := range []string{"a", "b"} {
			hits := mustSearch(t, ix, index.SearchRequest{Space: s, Vector: vec(1, 1), K: 10})
			if !equalStrings(ids(hits), []string{"y"}) {
				t.Errorf("space %s after delete = %v, want [y]", s, hits)
			}
			if got := count(t, ix, s); got != 1 {
				t.Errorf("count(%s) = %d, want 1", s, got)
			}
		}
		vs, err := ix.Vectors(ctx, "a", []string{"x"})
		if err != nil || len(vs) != 0 {
			t.Errorf("Vectors of deleted = %v, %v, want empty", vs, err)
		}
	})
	t.Run("re-upsert after delete", func(t *testing.T) {
		mustUpsert(t, ix, index.Point{ID: "x", Vectors: map[string][]float32{"a": vec(3, 0)}})
		hits := mustSearch(t, ix, index.SearchRequest{Space: "a", Vector: vec(1, 0), K: 10})
		if len(hits) != 2 || hits[0].ID != "x" || !approx(float64(hits[0].Score), 3) {
			t.Fatalf("after re-upsert = %v, want x(3) first", hits)
		}
		if hits := mustSearch(t, ix, index.SearchRequest{Space: "b", Vector: vec(1, 1), K: 10}); !equalStrings(ids(hits), []string{"y"}) {
			t.Fatalf("space b after re-upsert into a = %v, want [y]", hits)
		}
	})
	t.Run("empty and repeated upserts", func(t *testing.T) {
		mustUpsert(t, ix)
		for i := 0; i < 3; i++ {
			mustUpsert(t, ix, index.Point{ID: "z", Vectors: map[string][]float32{"a": vec(0, float32(i+1))}})
		}
		if got := count(t, ix, "a"); got != 3 {
			t.Fatalf("count after repeated upserts = %d, want 3", got)
		}
		hits := mustSearch(t, ix, index.SearchRequest{Space: "a", Vector: vec(0, 1), K: 1})
		if hits[0].ID != "z" || !approx(float64(hits[0].Score), 3) {
			t.Fatalf("last write should win: %v", hits)
		}
	})
}

func testValidation(t *testing.T, ix index.Index) {
	mustCreate(t, ix,
		index.SpaceConfig{Name: "d", Dim: 3, Metric: index.Cosine},
		index.SpaceConfig{Name: "s", Metric: index.Dot, Sparse: true})
	good := index.Point{ID: "ok", Vectors: map[string][]float32{"d": vec(1, 2, 3)}, Sparse: map[string]index.SparseVector{"s": {Indices: []uint32{1}, Values: []float32{1}}}}
	mustUpsert(t, ix, index.Point{ID: "keep", Vectors: map[string][]float32{"d": vec(1, 0, 0)}, Payload: index.Payload{Categories: []string{"k"}}})
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	cases := []struct {
		name string
		bad  index.Point
		want error
	}{
		{"wrong dim", index.Point{ID: "b", Vectors: map[string][]float32{"d": vec(1, 2)}}, index.ErrDimensionMismatch},
		{"empty", index.Point{ID: "b", Vectors: map[string][]float32{"d": {}}}, index.ErrBadVector},
		{"nan", index.Point{ID: "b", Vectors: map[string][]float32{"d": vec(1, nan, 0)}}, index.ErrBadVector},
		{"inf", index.Point{ID: "b", Vectors: map[string][]float32{"d": vec(-inf, 0, 0)}}, index.ErrBadVector},
		{"unknown space", index.Point{ID: "b", Vectors: map[string][]float32{"nope": vec(1, 2, 3)}}, index.ErrUnknownSpace},
		{"sparse nan", index.Point{ID: "b", Sparse: map[string]index.SparseVector{"s": {Indices: []uint32{1}, Values: []float32{nan}}}}, index.ErrBadVector},
		{"replacing an existing item", index.Point{ID: "keep", Vectors: map[string][]float32{"d": vec(1, 2)}}, index.ErrDimensionMismatch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// The good point comes first: a rejected call must not write it either.
			err := ix.Upsert(ctx, []index.Point{good, c.bad})
			if !errors.Is(err, c.want) {
				t.Fatalf("Upsert = %v, want %v", err, c.want)
			}
			if c.want != index.ErrUnknownSpace && !errors.Is(err, recd.ErrUnprocessable) {
				t.Errorf("Upsert error %v does not wrap recd.ErrUnprocessable", err)
			}
			if got := count(t, ix, "d"); got != 1 {
				t.Errorf("count(d) = %d after rejected upsert, want 1", got)
			}
			if got := count(t, ix, "s"); got != 0 {
				t.Errorf("count(s) = %d after rejected upsert, want 0", got)
			}
			hits := mustSearch(t, ix, index.SearchRequest{Space: "d", Vector: vec(1, 0, 0), K: 5, Filter: &index.Filter{Categories: []string{"k"}}})
			if !equalStrings(ids(hits), []string{"keep"}) || !approx(float64(hits[0].Score), 1) {
				t.Errorf("existing item changed by rejected upsert: %v", hits)
			}
		})
	}
	t.Run("bad queries", func(t *testing.T) {
		for name, req := range map[string]index.SearchRequest{
			"wrong dim":     {Space: "d", Vector: vec(1, 0), K: 1},
			"nan query":     {Space: "d", Vector: vec(nan, 0, 0), K: 1},
			"zero k":        {Space: "d", Vector: vec(1, 0, 0), K: 0},
			"negative k":    {Space: "d", Vector: vec(1, 0, 0), K: -1},
			"no dense":      {Space: "d", K: 1},
			"no sparse":     {Space: "s", Vector: vec(1, 0, 0), K: 1},
			"bad condition": {Space: "d", Vector: vec(1, 0, 0), K: 1, Filter: &index.Filter{Conditions: []index.Condition{{Field: "y", Op: "gt", Value: "abc"}}}},
		} {
			if _, err := ix.Search(ctx, req); err == nil {
				t.Errorf("%s: Search succeeded, want an error", name)
			}
		}
	})
}

// metricCase holds three points and a query with hand-computed scores.
func testMetrics(t *testing.T, open func(t *testing.T) index.Index) {
	pts := map[string][]float32{"a": vec(1, 0), "b": vec(1, 3), "c": vec(3, 4)}
	q := vec(1, 1)
	want := map[index.Metric]map[string]float64{
		// cosine: (q.v)/(|q||v|)
		index.Cosine: {"a": 1 / math.Sqrt2, "b": 4 / (math.Sqrt(10) * math.Sqrt2), "c": 7 / (5 * math.Sqrt2)},
		index.Dot:    {"a": 1, "b": 4, "c": 7},
		// l2: -|q-v|
		index.L2: {"a": -1, "b": -2, "c": -math.Sqrt(13)},
	}
	order := map[index.Metric][]string{index.Cosine: {"c", "b", "a"}, index.Dot: {"c", "b", "a"}, index.L2: {"a", "b", "c"}}
	for m, scores := range want {
		t.Run(string(m), func(t *testing.T) {
			ix := open(t)
			mustCreate(t, ix, index.SpaceConfig{Name: "v", Dim: 2, Metric: m})
			for id, v := range pts {
				mustUpsert(t, ix, index.Point{ID: id, Vectors: map[string][]float32{"v": v}})
			}
			hits := mustSearch(t, ix, index.SearchRequest{Space: "v", Vector: q, K: 3})
			if !equalStrings(ids(hits), order[m]) {
				t.Fatalf("order = %v, want %v", hits, order[m])
			}
			for _, h := range hits {
				if !approx(float64(h.Score), scores[h.ID]) {
					t.Errorf("score(%s) = %v, want %v", h.ID, h.Score, scores[h.ID])
				}
			}
		})
	}
}

func testKAndThreshold(t *testing.T, ix index.Index) {
	mustCreate(t, ix, index.SpaceConfig{Name: "v", Dim: 1, Metric: index.Dot})
	for i := 1; i <= 5; i++ {
		mustUpsert(t, ix, index.Point{ID: string(rune('a' + i - 1)), Vectors: map[string][]float32{"v": vec(float32(i))}})
	}
	if hits := mustSearch(t, ix, index.SearchRequest{Space: "v", Vector: vec(1), K: 2}); !equalStrings(ids(hits), []string{"e", "d"}) {
		t.Errorf("K=2: %v, want [e d]", hits)
	}
	if hits := mustSearch(t, ix, index.SearchRequest{Space: "v", Vector: vec(1), K: 50}); len(hits) != 5 {
		t.Errorf("K beyond size: %d hits, want 5", len(hits))
	}
	th := float32(3)
	hits := mustSearch(t, ix, index.SearchRequest{Space: "v", Vector: vec(1), K: 10, Threshold: &th})
	if !equalStrings(ids(hits), []string{"e", "d", "c"}) {
		t.Errorf("threshold 3: %v, want [e d c] (a hit equal to the threshold is kept)", hits)
	}
	th = 100
	if hits := mustSearch(t, ix, index.SearchRequest{Space: "v", Vector: vec(1), K: 10, Threshold: &th}); len(hits) != 0 {
		t.Errorf("threshold above all: %v, want none", hits)
	}
	th = -1.5
	mustCreate(t, ix, index.SpaceConfig{Name: "l", Dim: 1, Metric: index.L2})
	mustUpsert(t, ix, index.Point{ID: "p", Vectors: map[string][]float32{"l": vec(0)}}, index.Point{ID: "q", Vectors: map[string][]float32{"l": vec(3)}})
	if hits := mustSearch(t, ix, index.SearchRequest{Space: "l", Vector: vec(1), K: 10, Threshold: &th}); !equalStrings(ids(hits), []string{"p"}) {
		t.Errorf("l2 threshold -1.5: %v, want [p] (scores -1 and -2)", hits)
	}
}

func testVectors(t *testing.T, ix index.Index) {
	mustCreate(t, ix,
		index.SpaceConfig{Name: "d", Dim: 3, Metric: index.Dot},
		index.SpaceConfig{Name: "c", Dim: 2, Metric: index.Cosine})
	mustUpsert(t, ix,
		index.Point{ID: "x", Vectors: map[string][]float32{"d": vec(1, -2, 3.5), "c": vec(3, 4)}},
		index.Point{ID: "y", Vectors: map[string][]float32{"d": vec(0, 0, 1)}})
	got, err := ix.Vectors(ctx, "d", []string{"x", "y", "missing"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !equalFloats(got["x"], vec(1, -2, 3.5)) || !equalFloats(got["y"], vec(0, 0, 1)) {
		t.Errorf("Vectors(d) = %v", got)
	}
	got, err = ix.Vectors(ctx, "c", []string{"x", "y"})
	if err != nil {
		t.Fatal(err)
	}
	// Cosine spaces may store the normalised vector; the direction must be kept.
	if v, ok := got["x"]; !ok || len(got) != 1 || !approx(float64(v[0]/v[1]), 0.75) {
		t.Errorf("Vectors(c) = %v, want only x in direction (3,4)", got)
	}
	got["x"][0] = 99 // the returned slice must be the caller's own
	again, _ := ix.Vectors(ctx, "c", []string{"x"})
	if again["x"][0] == 99 {
		t.Error("Vectors returned a slice aliasing the index")
	}
}

func equalFloats(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !approx(float64(a[i]), float64(b[i])) {
			return false
		}
	}
	return true
}
