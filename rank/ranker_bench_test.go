package rank_test

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/recd/recd/gbdt"
	"github.com/recd/recd/rank"
)

// benchRanker trains a model of trees full-size trees (up to 31 leaves, no early stopping) on
// random rows of the pipeline's feature width, so its serving cost is what a trained one costs.
func benchRanker(b *testing.B, fs rank.FeatureSet, trees int) *rank.Ranker {
	rng := rand.New(rand.NewPCG(1, 2))
	nf, groups, size := len(fs.Names), 40, 100
	d := &gbdt.Dataset{NumFeatures: nf, Names: fs.Names}
	for range groups {
		for range size {
			for range nf {
				d.X = append(d.X, float32(rng.NormFloat64()))
			}
			d.Label = append(d.Label, float32(rng.IntN(2)))
		}
		d.Group = append(d.Group, size)
	}
	p := gbdt.DefaultParams()
	p.MinLeafRows, p.EarlyStop, p.Trees = 5, 0, trees
	m, err := gbdt.TrainLambdaMART(context.Background(), d, nil, p, nil)
	if err != nil {
		b.Fatal(err)
	}
	rk, err := rank.NewRanker(m, fs.Names, fs)
	if err != nil {
		b.Fatal(err)
	}
	return rk
}

// processCPU is the CPU time the process has used (user and system): on a loaded machine the
// CPU time per operation is what the work costs, where the wall time also counts waiting.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkPipeline_Ranker serves one plain request (n=10, about 300 candidates the ranker
// scores, reported as "candidates") over a 10,000-item catalog with the blend and with learned
// rankers of 60, 200 and 300 trees, reporting CPU time per request, p50 and p99: the difference
// is the ranker's serving cost (features for 300 candidates, trees, explanations of the top n).
func BenchmarkPipeline_Ranker(b *testing.B) {
	p, hist := benchPipeline(b, 10_000)
	opts := p.Opts
	opts.SourceK = 230 // item-kNN and popularity propose about 300 candidates together
	m := *p.M
	var items []int32
	var times []int64
	for i := range m.Items {
		for k := 0; k < int(m.Counts[i]); k++ {
			items, times = append(items, int32(i)), append(times, int64(3600*(i+k)))
		}
	}
	m.Times = rank.NewItemTimes(len(m.Items), items, times)
	blend, small, capped, full := m, m, m, m
	small.Ranker = benchRanker(b, p.Features(), 60)   // the size early stopping keeps on MovieLens
	capped.Ranker = benchRanker(b, p.Features(), 200) // the most trees the default ranker.trees allows
	full.Ranker = benchRanker(b, p.Features(), 300)
	for _, c := range []struct {
		name string
		m    *rank.Models
	}{{"blend", &blend}, {"ranker-trees=60", &small}, {"ranker-trees=200", &capped}, {"ranker-trees=300", &full}} {
		b.Run(c.name, func(b *testing.B) {
			q := rank.NewPipeline(c.m, p.Catalog, p.Index, nil, opts)
			req := rank.Request{History: hist, N: 10}
			ex, err := q.RankerCandidates(context.Background(), req)
			if err != nil {
				b.Fatal(err)
			}
			lat := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := processCPU()
			for range b.N {
				start := time.Now()
				resp, err := q.Recommend(context.Background(), req)
				lat = append(lat, time.Since(start))
				if err != nil || len(resp.Items) != 10 {
					b.Fatalf("%v, %d items", err, len(resp.Items))
				}
			}
			cpu := processCPU() - cpu0
			b.StopTimer()
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/op")
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
			b.ReportMetric(float64(len(ex.IDs)), "candidates")
		})
	}
}

// BenchmarkItemTimes_Features asks one candidate's recency features of a table the size of
// ml20m's (20M events over 27k items, popularity by a power law, so a popular item's times
// span many cache lines), for random items at a random reference time, ns/op per candidate:
// the three window counts and the span asked one by one, RecentAll asked one item at a time,
// and RecentAll over a request's 400 candidates at once.
func BenchmarkItemTimes_Features(b *testing.B) {
	const nItems, nEvents, span = 27_000, 20_000_000, int64(20 * 365 * 86400)
	rng := rand.New(rand.NewPCG(1, 2))
	items := make([]int32, nEvents)
	times := make([]int64, nEvents)
	for e := range items {
		items[e] = int32(float64(nItems) * math.Pow(rng.Float64(), 3)) // head-heavy
		times[e] = rng.Int64N(span)
	}
	tm := rank.NewItemTimes(nItems, items, times)
	const month, year = 30 * 86400, 365 * 86400
	b.Run("count_and_span", func(b *testing.B) {
		sink := 0
		for b.Loop() {
			i, ref := int32(rng.IntN(nItems/10)), rng.Int64N(span)
			sink += tm.Count(i, ref-month, ref) + tm.Count(i, ref-year, ref)
			if f, l, ok := tm.Span(i, ref); ok {
				sink += int(l - f)
			}
		}
		_ = sink
	})
	b.Run("recent_one", func(b *testing.B) {
		sink := 0
		var one [1]int32
		var out [1]rank.Recency
		for b.Loop() {
			one[0] = int32(rng.IntN(nItems / 10))
			tm.RecentAll(one[:], rng.Int64N(span), month, year, out[:])
			sink += int(out[0].NRecent+out[0].NLong) + int(out[0].Last-out[0].First)
		}
		_ = sink
	})
	// A request's candidates at once, ns/op per candidate as above.
	const batch = 400
	ids, out := make([]int32, batch), make([]rank.Recency, batch)
	b.Run("recent_all", func(b *testing.B) {
		sink := 0
		for n := 0; n < b.N; n += batch {
			for k := range ids {
				ids[k] = int32(rng.IntN(nItems / 10))
			}
			m := min(batch, b.N-n)
			tm.RecentAll(ids[:m], rng.Int64N(span), month, year, out)
			for _, r := range out[:m] {
				sink += int(r.NRecent+r.NLong) + int(r.Last-r.First)
			}
		}
		_ = sink
	})
}
