// Package indextest is the conformance suite every index.Index implementation passes.
package indextest

import (
	"context"
	"errors"
	"math"
	"sort"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
)

// Run checks open's index against the whole index.Index contract. open must return a new,
// empty index each call. The checks hold for any exact or approximate implementation with
// the same semantics (they do not depend on the order of tied scores).
func Run(t *testing.T, open func(t *testing.T) index.Index) {
	t.Run("Spaces", func(t *testing.T) { testSpaces(t, open(t)) })
	t.Run("UpsertReplaceDelete", func(t *testing.T) { testUpsertReplaceDelete(t, open(t)) })
	t.Run("Validation", func(t *testing.T) { testValidation(t, open(t)) })
	t.Run("Metrics", func(t *testing.T) { testMetrics(t, open) })
	t.Run("KAndThreshold", func(t *testing.T) { testKAndThreshold(t, open(t)) })
	t.Run("Filters", func(t *testing.T) { testFilters(t, open(t)) })
	t.Run("AvailabilityFollowsPayload", func(t *testing.T) { testAvailabilityFollowsPayload(t, open(t)) })
	t.Run("SelectiveFilter", func(t *testing.T) { testSelectiveFilter(t, open(t)) })
	t.Run("ConditionTable", func(t *testing.T) { testConditionTable(t, open(t)) })
	t.Run("Sparse", func(t *testing.T) { testSparse(t, open(t)) })
	t.Run("Vectors", func(t *testing.T) { testVectors(t, open(t)) })
	t.Run("Recall", func(t *testing.T) { testRecall(t, open(t)) })
	t.Run("Concurrency", func(t *testing.T) { testConcurrency(t, open(t)) })
}

var ctx = context.Background()

func mustCreate(t *testing.T, ix index.Index, cfgs ...index.SpaceConfig) {
	t.Helper()
	for _, c := range cfgs {
		if err := ix.CreateSpace(ctx, c); err != nil {
			t.Fatalf("CreateSpace(%+v): %v", c, err)
		}
	}
}

func mustUpsert(t *testing.T, ix index.Index, pts ...index.Point) {
	t.Helper()
	if err := ix.Upsert(ctx, pts); err != nil {
		t.Fatalf("Upsert: %v", err)
	}
}

func mustSearch(t *testing.T, ix index.Index, req index.SearchRequest) []index.Hit {
	t.Helper()
	hits, err := ix.Search(ctx, req)
	if err != nil {
		t.Fatalf("Search(%s): %v", req.Space, err)
	}
	checkSorted(t, hits)
	return hits
}

func checkSorted(t *testing.T, hits []index.Hit) {
	t.Helper()
	seen := map[string]bool{}
	for i, h := range hits {
		if i > 0 && h.Score > hits[i-1].Score {
			t.Fatalf("hits not best first: %v", hits)
		}
		if seen[h.ID] {
			t.Fatalf("duplicate hit %s in %v", h.ID, hits)
		}
		seen[h.ID] = true
	}
}

func ids(hits []index.Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.ID
	}
	return out
}

func sortedIDs(hits []index.Hit) []string {
	out := ids(hits)
	sort.Strings(out)
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func count(t *testing.T, ix index.Index, space string) int {
	t.Helper()
	infos, err := ix.Spaces(ctx)
	if err != nil {
		t.Fatalf("Spaces: %v", err)
	}
	for _, s := range infos {
		if s.Name == space {
			return s.Count
		}
	}
	t.Fatalf("space %s not listed in %+v", space, infos)
	return 0
}

func approx(a, b float64) bool { return math.Abs(a-b) <= 1e-4*math.Max(1, math.Abs(b)) }

func testSpaces(t *testing.T, ix index.Index) {
	dense := index.SpaceConfig{Name: "cf", Dim: 4, Metric: index.Cosine}
	sparse := index.SpaceConfig{Name: "content_sparse", Metric: index.Dot, Sparse: true}
	mustCreate(t, ix, dense, sparse)
	t.Run("same config is a no-op", func(t *testing.T) {
		mustCreate(t, ix, dense)
		mustUpsert(t, ix, index.Point{ID: "a", Vectors: map[string][]float32{"cf": {1, 0, 0, 0}}})
		mustCreate(t, ix, dense)
		if got := count(t, ix, "cf"); got != 1 {
			t.Fatalf("count after re-create = %d, want 1", got)
		}
	})
	t.Run("conflict", func(t *testing.T) {
		for _, c := range []index.SpaceConfig{
			{Name: "cf", Dim: 8, Metric: index.Cosine},
			{Name: "cf", Dim: 4, Metric: index.L2},
			{Name: "cf", Metric: index.Cosine, Sparse: true},
		} {
			if err := ix.CreateSpace(ctx, c); !errors.Is(err, index.ErrSpaceConflict) {
				t.Errorf("CreateSpace(%+v) = %v, want ErrSpaceConflict", c, err)
			}
		}
	})
	t.Run("bad configs", func(t *testing.T) {
		for _, name := range []string{"", "1abc", "has space", "dash-ed", "a.b"} {
			err := ix.CreateSpace(ctx, index.SpaceConfig{Name: name, Dim: 4, Metric: index.Dot})
			if !errors.Is(err, index.ErrBadSpaceName) || !errors.Is(err, recd.ErrInvalid) {
				t.Errorf("CreateSpace(name %q) = %v, want ErrBadSpaceName", name, err)
			}
		}
		for _, c := range []index.SpaceConfig{{Name: "x", Dim: 0, Metric: index.Dot}, {Name: "x", Dim: 4, Metric: "hamming"}} {
			if err := ix.CreateSpace(ctx, c); !errors.Is(err, recd.ErrInvalid) {
				t.Errorf("CreateSpace(%+v) = %v, want ErrInvalid", c, err)
			}
		}
	})
	t.Run("listed", func(t *testing.T) {
		infos, err := ix.Spaces(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]index.SpaceInfo{}
		for _, s := range infos {
			got[s.Name] = s
		}
		if len(got) != 2 {
			t.Fatalf("Spaces = %+v, want cf and content_sparse", infos)
		}
		if s := got["cf"]; s.Dim != 4 || s.Metric != index.Cosine || s.Sparse || s.Count != 1 {
			t.Errorf("cf = %+v", s)
		}
		if s := got["content_sparse"]; !s.Sparse || s.Metric != index.Dot || s.Count != 0 {
			t.Errorf("content_sparse = %+v", s)
		}
	})
	t.Run("unknown space", func(t *testing.T) {
		_, err := ix.Search(ctx, index.SearchRequest{Space: "nope", Vector: []float32{1, 0, 0, 0}, K: 1})
		if !errors.Is(err, index.ErrUnknownSpace) || !errors.Is(err, recd.ErrNotFound) {
			t.Errorf("Search(unknown) = %v, want ErrUnknownSpace", err)
		}
		if _, err := ix.Vectors(ctx, "nope", []string{"a"}); !errors.Is(err, index.ErrUnknownSpace) {
			t.Errorf("Vectors(unknown) = %v, want ErrUnknownSpace", err)
		}
	})
}
