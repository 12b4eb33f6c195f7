package qdranttest_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/recd/recd/index/qdrant/qdranttest"
)

var ctx = context.Background()

const col = "c"

// setup starts a double with a collection "c": dense "d" (dim 2, distance dist) and sparse
// "s" (with the IDF modifier when idf).
func setup(t *testing.T, dist qdrant.Distance, idf bool) *qdrant.Client {
	t.Helper()
	addr := qdranttest.Start(t)
	host, port, _ := strings.Cut(addr, ":")
	var p int
	for _, ch := range port {
		p = p*10 + int(ch-'0')
	}
	c, err := qdrant.NewClient(&qdrant.Config{Host: host, Port: p, SkipCompatibilityCheck: true, PoolSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	sp := &qdrant.SparseVectorParams{}
	if idf {
		sp.Modifier = qdrant.Modifier_Idf.Enum()
	}
	err = c.CreateCollection(ctx, &qdrant.CreateCollection{
		CollectionName:      col,
		VectorsConfig:       qdrant.NewVectorsConfigMap(map[string]*qdrant.VectorParams{"d": {Size: 2, Distance: dist}}),
		SparseVectorsConfig: qdrant.NewSparseVectorsConfig(map[string]*qdrant.SparseVectorParams{"s": sp}),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func pt(n uint64, d []float32, payload map[string]any) *qdrant.PointStruct {
	vecs := map[string]*qdrant.Vector{}
	if d != nil {
		vecs["d"] = qdrant.NewVectorDense(d)
	}
	return &qdrant.PointStruct{Id: qdrant.NewIDNum(n), Vectors: qdrant.NewVectorsMap(vecs), Payload: qdrant.NewValueMap(payload)}
}

func upsert(t *testing.T, c *qdrant.Client, pts ...*qdrant.PointStruct) {
	t.Helper()
	if _, err := c.Upsert(ctx, &qdrant.UpsertPoints{CollectionName: col, Wait: qdrant.PtrOf(true), Points: pts}); err != nil {
		t.Fatal(err)
	}
}

func nums(pts []*qdrant.ScoredPoint) []uint64 {
	var out []uint64
	for _, p := range pts {
		out = append(out, p.GetId().GetNum())
	}
	return out
}

func TestServer_Rejects(t *testing.T) {
	c := setup(t, qdrant.Distance_Dot, false)
	upsert(t, c, pt(1, []float32{1, 0}, nil))
	for name, tc := range map[string]struct {
		call func() error
		want codes.Code
	}{
		"missing collection": {func() error {
			_, err := c.Query(ctx, &qdrant.QueryPoints{CollectionName: "nope", Query: qdrant.NewQueryDense([]float32{1, 0}), Using: qdrant.PtrOf("d")})
			return err
		}, codes.NotFound},
		"unknown vector name on upsert": {func() error {
			_, err := c.Upsert(ctx, &qdrant.UpsertPoints{CollectionName: col, Points: []*qdrant.PointStruct{{
				Id: qdrant.NewIDNum(2), Vectors: qdrant.NewVectorsMap(map[string]*qdrant.Vector{"x": qdrant.NewVectorDense([]float32{1, 0})})}}})
			return err
		}, codes.InvalidArgument},
		"wrong dimension on upsert": {func() error {
			_, err := c.Upsert(ctx, &qdrant.UpsertPoints{CollectionName: col, Points: []*qdrant.PointStruct{pt(2, []float32{1, 0, 0}, nil)}})
			return err
		}, codes.InvalidArgument},
		"query without a vector name": {func() error {
			_, err := c.Query(ctx, &qdrant.QueryPoints{CollectionName: col, Query: qdrant.NewQueryDense([]float32{1, 0})})
			return err
		}, codes.InvalidArgument},
		"wrong dimension on query": {func() error {
			_, err := c.Query(ctx, &qdrant.QueryPoints{CollectionName: col, Query: qdrant.NewQueryDense([]float32{1}), Using: qdrant.PtrOf("d")})
			return err
		}, codes.InvalidArgument},
		"dense query on a sparse vector": {func() error {
			_, err := c.Query(ctx, &qdrant.QueryPoints{CollectionName: col, Query: qdrant.NewQueryDense([]float32{1, 0}), Using: qdrant.PtrOf("s")})
			return err
		}, codes.InvalidArgument},
		"sparse vector with mismatched lengths": {func() error {
			_, err := c.Query(ctx, &qdrant.QueryPoints{CollectionName: col, Query: qdrant.NewQuerySparse([]uint32{1, 2}, []float32{1}), Using: qdrant.PtrOf("s")})
			return err
		}, codes.InvalidArgument},
		"empty field condition": {func() error {
			_, err := c.Count(ctx, &qdrant.CountPoints{CollectionName: col, Filter: &qdrant.Filter{Must: []*qdrant.Condition{
				{ConditionOneOf: &qdrant.Condition_Field{Field: &qdrant.FieldCondition{Key: "a"}}}}}})
			return err
		}, codes.InvalidArgument},
		"empty condition": {func() error {
			_, err := c.Count(ctx, &qdrant.CountPoints{CollectionName: col, Filter: &qdrant.Filter{Must: []*qdrant.Condition{{}}}})
			return err
		}, codes.InvalidArgument},
		"unknown vector in with_vectors": {func() error {
			_, err := c.Get(ctx, &qdrant.GetPoints{CollectionName: col, Ids: []*qdrant.PointId{qdrant.NewIDNum(1)}, WithVectors: qdrant.NewWithVectorsInclude("x")})
			return err
		}, codes.InvalidArgument},
		"payload update of a missing point id": {func() error {
			_, err := c.OverwritePayload(ctx, &qdrant.SetPayloadPoints{CollectionName: col, Payload: qdrant.NewValueMap(map[string]any{"a": 1}),
				PointsSelector: qdrant.NewPointsSelector(qdrant.NewIDNum(99))})
			return err
		}, codes.NotFound},
		"collection created twice": {func() error {
			return c.CreateCollection(ctx, &qdrant.CreateCollection{CollectionName: col,
				VectorsConfig: qdrant.NewVectorsConfigMap(map[string]*qdrant.VectorParams{"d": {Size: 2, Distance: qdrant.Distance_Dot}})})
		}, codes.AlreadyExists},
		"recommend with a missing example": {func() error {
			_, err := c.Query(ctx, &qdrant.QueryPoints{CollectionName: col, Using: qdrant.PtrOf("d"),
				Query: qdrant.NewQueryRecommend(&qdrant.RecommendInput{Positive: []*qdrant.VectorInput{qdrant.NewVectorInputID(qdrant.NewIDNum(42))}})})
			return err
		}, codes.NotFound},
		"mmr is not implemented by the double": {func() error {
			_, err := c.Query(ctx, &qdrant.QueryPoints{CollectionName: col, Using: qdrant.PtrOf("d"),
				Query: qdrant.NewQueryMMR(qdrant.NewVectorInputDense([]float32{1, 0}), &qdrant.Mmr{Diversity: qdrant.PtrOf(float32(0.5))})})
			return err
		}, codes.Unimplemented},
	} {
		t.Run(name, func(t *testing.T) {
			if got := status.Code(tc.call()); got != tc.want {
				t.Errorf("code = %v, want %v", got, tc.want)
			}
		})
	}
	n, err := c.Count(ctx, &qdrant.CountPoints{CollectionName: col})
	if err != nil || n != 1 {
		t.Errorf("count after rejected calls = %d, %v; want 1", n, err)
	}
}

func TestServer_Semantics(t *testing.T) {
	t.Run("euclid scores are distances, nearest first, threshold is a maximum", func(t *testing.T) {
		c := setup(t, qdrant.Distance_Euclid, false)
		upsert(t, c, pt(1, []float32{0, 0}, nil), pt(2, []float32{3, 4}, nil), pt(3, []float32{1, 0}, nil))
		got, err := c.Query(ctx, &qdrant.QueryPoints{CollectionName: col, Query: qdrant.NewQueryDense([]float32{0, 0}), Using: qdrant.PtrOf("d"), ScoreThreshold: qdrant.PtrOf(float32(2))})
		if err != nil {
			t.Fatal(err)
		}
		if ids := nums(got); len(ids) != 2 || ids[0] != 1 || ids[1] != 3 || got[0].Score != 0 || got[1].Score != 1 {
			t.Fatalf("got %v, want points 1 (0) and 3 (1)", got)
		}
	})
	t.Run("upsert replaces the whole point", func(t *testing.T) {
		c := setup(t, qdrant.Distance_Dot, false)
		upsert(t, c, &qdrant.PointStruct{Id: qdrant.NewIDNum(1), Vectors: qdrant.NewVectorsMap(map[string]*qdrant.Vector{
			"d": qdrant.NewVectorDense([]float32{1, 0}), "s": qdrant.NewVectorSparse([]uint32{3}, []float32{1})})})
		upsert(t, c, pt(1, []float32{0, 1}, map[string]any{"k": "v"}))
		got, err := c.Query(ctx, &qdrant.QueryPoints{CollectionName: col, Query: qdrant.NewQuerySparse([]uint32{3}, []float32{1}), Using: qdrant.PtrOf("s")})
		if err != nil || len(got) != 0 {
			t.Fatalf("sparse query after an upsert without s = %v, %v; want none", got, err)
		}
	})
	t.Run("filters", func(t *testing.T) {
		c := setup(t, qdrant.Distance_Dot, false)
		upsert(t, c,
			pt(1, []float32{1, 0}, map[string]any{"tags": []any{"a", "b"}, "n": 1.5, "o": map[string]any{"x": "y"}}),
			pt(2, []float32{1, 0}, map[string]any{"tags": []any{"c"}, "n": int64(3)}),
			pt(3, []float32{1, 0}, map[string]any{}))
		gte := 2.0
		for name, tc := range map[string]struct {
			f    *qdrant.Filter
			want int
		}{
			"match in a list":             {&qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchKeyword("tags", "b")}}, 1},
			"must_not on missing":         {&qdrant.Filter{MustNot: []*qdrant.Condition{qdrant.NewMatchKeyword("tags", "a")}}, 2},
			"range on int":                {&qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewRange("n", &qdrant.Range{Gte: &gte})}}, 1},
			"integer match skips doubles": {&qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchInt("n", 3)}}, 1},
			"nested key":                  {&qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchKeyword("o.x", "y")}}, 1},
			"should":                      {&qdrant.Filter{Should: []*qdrant.Condition{qdrant.NewMatchKeyword("tags", "c"), qdrant.NewHasID(qdrant.NewIDNum(3))}}, 2},
			"has_id":                      {&qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewHasID(qdrant.NewIDNum(1), qdrant.NewIDNum(9))}}, 1},
			"is_empty":                    {&qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewIsEmpty("tags")}}, 1},
		} {
			t.Run(name, func(t *testing.T) {
				n, err := c.Count(ctx, &qdrant.CountPoints{CollectionName: col, Filter: tc.f})
				if err != nil || int(n) != tc.want {
					t.Errorf("count = %d, %v; want %d", n, err, tc.want)
				}
			})
		}
	})
	t.Run("idf modifier", func(t *testing.T) {
		c := setup(t, qdrant.Distance_Dot, true)
		sparse := func(n uint64, idx ...uint32) *qdrant.PointStruct {
			vals := make([]float32, len(idx))
			for i := range vals {
				vals[i] = 1
			}
			return &qdrant.PointStruct{Id: qdrant.NewIDNum(n), Vectors: qdrant.NewVectorsMap(map[string]*qdrant.Vector{"s": qdrant.NewVectorSparse(idx, vals)})}
		}
		// Index 1 is in every document, index 2 in one of four.
		upsert(t, c, sparse(1, 1, 2), sparse(2, 1), sparse(3, 1), sparse(4, 1))
		got, err := c.Query(ctx, &qdrant.QueryPoints{CollectionName: col, Query: qdrant.NewQuerySparse([]uint32{1, 2}, []float32{1, 1}), Using: qdrant.PtrOf("s")})
		if err != nil || len(got) != 4 || got[0].GetId().GetNum() != 1 {
			t.Fatalf("got %v, %v; want 4 hits, point 1 first", got, err)
		}
		idf := func(n float64) float64 { return math.Log((4-n+0.5)/(n+0.5) + 1) }
		if want := idf(4) + idf(1); math.Abs(float64(got[0].Score)-want) > 1e-5 {
			t.Errorf("score of point 1 = %v, want idf(1)+idf(2) = %v", got[0].Score, want)
		}
		if want := idf(4); math.Abs(float64(got[1].Score)-want) > 1e-5 {
			t.Errorf("score of point 2 = %v, want idf(1) = %v", got[1].Score, want)
		}
	})
}
