package index_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/recd/recd/index"
	"github.com/recd/recd/index/indextest"
)

func TestFlat_Conformance(t *testing.T) {
	indextest.Run(t, func(*testing.T) index.Index { return index.NewFlat() })
}

func TestEnsureSpaces(t *testing.T) {
	ctx := context.Background()
	ix := index.NewFlat()
	if err := ix.CreateSpace(ctx, index.SpaceConfig{Name: "cf", Dim: 2, Metric: index.Dot}); err != nil {
		t.Fatal(err)
	}
	pts := []index.Point{
		{ID: "a", Vectors: map[string][]float32{"cf": {1, 2}, "emb": {1, 2, 3}, "bad-name": {1}},
			Sparse: map[string]index.SparseVector{"words": {Indices: []uint32{1}, Values: []float32{1}}}},
		{ID: "b", Vectors: map[string][]float32{"emb": {1, 2, 3, 4}}},
	}
	if err := index.EnsureSpaces(ctx, ix, pts, index.Cosine); err != nil {
		t.Fatal(err)
	}
	infos, _ := ix.Spaces(ctx)
	got := map[string]index.SpaceConfig{}
	for _, s := range infos {
		got[s.Name] = s.SpaceConfig
	}
	want := map[string]index.SpaceConfig{
		"cf":    {Name: "cf", Dim: 2, Metric: index.Dot},
		"emb":   {Name: "emb", Dim: 3, Metric: index.Cosine},
		"words": {Name: "words", Metric: index.Cosine, Sparse: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("spaces = %+v, want %+v", got, want)
	}
	// b's 4-dim vector does not fit the space created from a's first vector.
	if err := ix.Upsert(ctx, pts[1:]); !errors.Is(err, index.ErrDimensionMismatch) {
		t.Fatalf("Upsert(b) = %v, want ErrDimensionMismatch", err)
	}
	if err := ix.Upsert(ctx, pts[:1]); !errors.Is(err, index.ErrBadSpaceName) {
		t.Fatalf("Upsert(a) = %v, want ErrBadSpaceName", err)
	}
}
