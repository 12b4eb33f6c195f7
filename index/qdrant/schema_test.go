package qdrant_test

import (
	"context"
	"errors"
	"testing"

	"github.com/qdrant/go-client/qdrant"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
	rq "github.com/recd/recd/index/qdrant"
	"github.com/recd/recd/index/qdrant/qdranttest"
)

func TestIndex_CreateSpace(t *testing.T) {
	ctx := context.Background()
	srv, addr := qdranttest.StartServer(t)
	opts := rq.DefaultOptions()
	opts.Addr = addr
	opts.IDF = []string{"bm25"}
	opts.NumericAttributes = []string{"year"}
	ix := open(t, opts)
	for _, cfg := range []index.SpaceConfig{
		{Name: "cf", Dim: 8, Metric: index.L2},
		{Name: "content_sparse", Metric: index.Cosine, Sparse: true},
		{Name: "bm25", Metric: index.Dot, Sparse: true},
	} {
		if err := ix.CreateSpace(ctx, cfg); err != nil {
			t.Fatalf("CreateSpace(%+v): %v", cfg, err)
		}
	}
	t.Run("dense collection", func(t *testing.T) {
		info, err := srv.CollectionInfo("recd_items__cf")
		if err != nil {
			t.Fatal(err)
		}
		vp := info.GetConfig().GetParams().GetVectorsConfig().GetParamsMap().GetMap()["cf"]
		if vp.GetSize() != 8 || vp.GetDistance() != qdrant.Distance_Euclid {
			t.Errorf("cf vector params = %v, want size 8, Euclid", vp)
		}
		for field, want := range map[string]qdrant.PayloadSchemaType{
			"id": qdrant.PayloadSchemaType_Keyword, "categories": qdrant.PayloadSchemaType_Keyword,
			"available": qdrant.PayloadSchemaType_Bool, "attributes.year": qdrant.PayloadSchemaType_Float,
		} {
			if got := info.GetPayloadSchema()[field].GetDataType(); got != want {
				t.Errorf("payload index %s = %v, want %v", field, got, want)
			}
		}
		if m := info.GetConfig().GetMetadata(); m["recd_space"].GetStringValue() != "cf" || m["recd_metric"].GetStringValue() != "l2" {
			t.Errorf("metadata = %v", m)
		}
	})
	t.Run("sparse collections and the IDF modifier", func(t *testing.T) {
		for space, idf := range map[string]bool{"content_sparse": false, "bm25": true} {
			info, err := srv.CollectionInfo("recd_items__" + space)
			if err != nil {
				t.Fatal(err)
			}
			sp, ok := info.GetConfig().GetParams().GetSparseVectorsConfig().GetMap()[space]
			if !ok {
				t.Fatalf("%s: no sparse vector named %s", space, space)
			}
			if got := sp.GetModifier() == qdrant.Modifier_Idf; got != idf {
				t.Errorf("%s: IDF modifier = %v, want %v", space, got, idf)
			}
		}
	})
	t.Run("sparse l2 is rejected", func(t *testing.T) {
		err := ix.CreateSpace(ctx, index.SpaceConfig{Name: "sl2", Metric: index.L2, Sparse: true})
		if !errors.Is(err, recd.ErrInvalid) {
			t.Fatalf("CreateSpace(sparse l2) = %v, want ErrInvalid", err)
		}
	})
	t.Run("listed with metrics", func(t *testing.T) {
		infos, err := ix.Spaces(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []index.SpaceConfig{
			{Name: "bm25", Metric: index.Dot, Sparse: true},
			{Name: "cf", Dim: 8, Metric: index.L2},
			{Name: "content_sparse", Metric: index.Cosine, Sparse: true},
		}
		if len(infos) != len(want) {
			t.Fatalf("Spaces = %+v, want %+v", infos, want)
		}
		for i := range want {
			if infos[i].SpaceConfig != want[i] {
				t.Errorf("space %d = %+v, want %+v", i, infos[i].SpaceConfig, want[i])
			}
		}
	})
}

// TestIndex_Replicas checks two indexes on one Qdrant, as two recd replicas: each sees the
// spaces and points the other writes, without a restart.
func TestIndex_Replicas(t *testing.T) {
	ctx := context.Background()
	opts := testOptions(t)
	a, b := open(t, opts), open(t, opts)
	if err := a.CreateSpace(ctx, index.SpaceConfig{Name: "cf", Dim: 2, Metric: index.Dot}); err != nil {
		t.Fatal(err)
	}
	if err := b.Upsert(ctx, []index.Point{{ID: "x", Vectors: map[string][]float32{"cf": {1, 0}}}}); err != nil {
		t.Fatalf("upsert on b into a space a created: %v", err)
	}
	if err := b.CreateSpace(ctx, index.SpaceConfig{Name: "cf", Dim: 3, Metric: index.Dot}); !errors.Is(err, index.ErrSpaceConflict) {
		t.Fatalf("conflicting CreateSpace on b = %v, want ErrSpaceConflict", err)
	}
	if err := b.CreateSpace(ctx, index.SpaceConfig{Name: "content", Dim: 2, Metric: index.Cosine}); err != nil {
		t.Fatal(err)
	}
	if err := b.Upsert(ctx, []index.Point{{ID: "x", Vectors: map[string][]float32{"content": {0, 1}}}}); err != nil {
		t.Fatal(err)
	}
	// a has not seen "content" yet; its payload write must still reach x there.
	if err := a.Upsert(ctx, []index.Point{{ID: "x", Vectors: map[string][]float32{"cf": {2, 0}}, Payload: index.Payload{Categories: []string{"new"}}}}); err != nil {
		t.Fatal(err)
	}
	hits, err := b.Search(ctx, index.SearchRequest{Space: "content", Vector: []float32{0, 1}, K: 5, Filter: &index.Filter{Categories: []string{"new"}}})
	if err != nil || len(hits) != 1 || hits[0].ID != "x" {
		t.Fatalf("b: search content filtered on the payload a wrote = %v, %v; want [x]", hits, err)
	}
	if err := a.Delete(ctx, []string{"x"}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"cf", "content"} {
		vs, err := b.Vectors(ctx, s, []string{"x"})
		if err != nil || len(vs) != 0 {
			t.Errorf("b: Vectors(%s, x) after a deleted x = %v, %v; want none", s, vs, err)
		}
	}
}

// TestOpen_Migrates checks that Open brings an existing space collection to the current
// schema (its payload indexes) and creates the configured spaces.
func TestOpen_Migrates(t *testing.T) {
	ctx := context.Background()
	srv, addr := qdranttest.StartServer(t)
	c := rawClient(t, addr, "")
	err := c.CreateCollection(ctx, &qdrant.CreateCollection{
		CollectionName: "recd_items__old",
		VectorsConfig:  qdrant.NewVectorsConfigMap(map[string]*qdrant.VectorParams{"old": {Size: 3, Distance: qdrant.Distance_Cosine}}),
	})
	if err != nil {
		t.Fatal(err)
	}
	opts := rq.DefaultOptions()
	opts.Addr = addr
	opts.Spaces = []index.SpaceConfig{{Name: "cf", Dim: 4, Metric: index.Dot}}
	ix := open(t, opts)
	info, err := srv.CollectionInfo("recd_items__old")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"id", "categories", "available"} {
		if _, ok := info.GetPayloadSchema()[f]; !ok {
			t.Errorf("payload index %s not added to the existing collection", f)
		}
	}
	if md := info.GetConfig().GetMetadata(); md["recd_schema"].GetIntegerValue() != 1 || md["recd_metric"].GetStringValue() != "cosine" {
		t.Errorf("metadata after migration = %v, want recd_schema 1 and recd_metric cosine", md)
	}
	infos, err := ix.Spaces(ctx)
	if err != nil || len(infos) != 2 || infos[0].Name != "cf" || infos[1].SpaceConfig != (index.SpaceConfig{Name: "old", Dim: 3, Metric: index.Cosine}) {
		t.Fatalf("Spaces = %+v, %v; want cf and old (dim 3, cosine)", infos, err)
	}
	// Opening again is a no-op: same spaces, no error.
	again, err := rq.Open(ctx, opts)
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	again.Close()
}
