package rank_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
	"github.com/recd/recd/index/hnsw"
	"github.com/recd/recd/model"
	"github.com/recd/recd/rank"
)

type benchCatalog map[string]rank.ItemMeta

func (c benchCatalog) Item(id string) (rank.ItemMeta, bool) { m, ok := c[id]; return m, ok }

// benchPipeline builds a pipeline over a synthetic catalog of n items with power-law
// popularity: item-kNN, popularity and ALS trained on 20 events per item, ALS factors in the
// cf space and random 64-d content vectors in the content space of an HNSW index.
func benchPipeline(b testing.TB, n int) (*rank.Pipeline, []rank.Interaction) {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	cats := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	catalog := benchCatalog{}
	bld := model.NewBuilder(model.Weights{Default: 1})
	ids := make([]string, n)
	for i := range ids {
		ids[i] = "i" + strconv.Itoa(i)
		bld.AddItem(ids[i])
		catalog[ids[i]] = rank.ItemMeta{Title: ids[i], Categories: []string{cats[i%8], cats[(i/8)%8]}, Available: true,
			Attributes: map[string]any{"year": 1950 + i%70}}
	}
	users := n / 4
	for e := 0; e < 20*n; e++ {
		u := int(float64(users) * rng.Float64() * rng.Float64())
		i := int(float64(n) * rng.Float64() * rng.Float64() * rng.Float64())
		bld.Add(recd.Event{UserID: "u" + strconv.Itoa(u), ItemID: ids[i], Type: "click"})
	}
	d := bld.Build()
	ctx := context.Background()
	pop := model.NewPopularity()
	knn := model.NewItemKNN(model.DefaultItemKNNOptions())
	ao := model.DefaultALSOptions()
	ao.Iterations = 3
	als := model.NewALS(ao)
	for _, m := range []model.Recommender{pop, knn, als} {
		if err := m.Fit(ctx, d); err != nil {
			b.Fatal(err)
		}
	}
	idx, err := hnsw.New(hnsw.DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	idx.CreateSpace(ctx, index.SpaceConfig{Name: rank.SpaceCF, Dim: ao.Factors, Metric: index.Dot})
	idx.CreateSpace(ctx, index.SpaceConfig{Name: rank.SpaceContent, Dim: 64, Metric: index.Cosine})
	counts := map[string]int{}
	for start := 0; start < n; start += 10000 {
		var pts []index.Point
		for i := start; i < min(start+10000, n); i++ {
			v := make([]float32, 64)
			for k := range v {
				v[k] = float32(rng.NormFloat64())
			}
			m := catalog[ids[i]]
			pts = append(pts, index.Point{ID: ids[i], Vectors: map[string][]float32{rank.SpaceCF: als.ItemFactors().Row(i), rank.SpaceContent: v},
				Payload: index.Payload{Categories: m.Categories, Available: true, Attributes: m.Attributes}})
			counts[ids[i]] = int(d.ItemCount[i])
		}
		if err := idx.Upsert(ctx, pts); err != nil {
			b.Fatal(err)
		}
	}
	tail, _ := rank.LongTailSet(counts, rank.DefaultHeadShare)
	mi := make(map[string]int32, n)
	for i, id := range d.Items {
		mi[id] = int32(i)
	}
	m := &rank.Models{Version: "bench", Items: d.Items, ItemIndex: mi, Pop: pop, KNN: knn, ALS: als, Tail: tail, Counts: d.ItemCount}
	exp, _ := rank.NewExposure(rank.DefaultExposureOptions())
	opts := rank.DefaultOptions()
	p := rank.NewPipeline(m, catalog, idx, exp, opts)
	var hist []rank.Interaction
	for k := 0; k < 50; k++ {
		hist = append(hist, rank.Interaction{ItemID: ids[rng.IntN(n/10)], Weight: 1, Last: time.Unix(int64(k), 0)})
	}
	return p, hist
}

// BenchmarkPipeline_AllStages runs one request with every stage on (1,000 candidates per
// source, session boost, exposure boost, MMR, calibration, long-tail share, explanations,
// n=10) and reports p50 and p99. RECD_BENCH_LARGE=1 adds a 1M-item catalog.
func BenchmarkPipeline_AllStages(b *testing.B) {
	sizes := []int{10_000}
	if os.Getenv("RECD_BENCH_LARGE") != "" {
		sizes = append(sizes, 1_000_000)
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			p, hist := benchPipeline(b, n)
			d, c, lt, sw, ex := 0.3, 0.3, 0.2, 0.3, 0.1
			req := rank.Request{History: hist, Recent: []string{hist[0].ItemID, hist[1].ItemID, hist[2].ItemID}, N: 10,
				Diversity: &d, Calibration: &c, LongTailShare: &lt, SessionWeight: &sw, ExposureStrength: &ex,
				Rules: rank.Rules{ExcludeCategories: []string{"h"}}}
			lat := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				resp, err := p.Recommend(context.Background(), req)
				lat = append(lat, time.Since(start))
				if err != nil || len(resp.Items) != 10 {
					b.Fatalf("%v, %d items", err, len(resp.Items))
				}
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		})
	}
}
