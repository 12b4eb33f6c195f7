package rank

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/recd/recd/index"
)

// benchCatalog is a synthetic catalog: unit vectors, 1-3 of 18 genres, a year attribute.
type benchCatalog struct {
	ids   []string
	vecs  map[string][]float32
	cats  map[string][]string
	years map[string]any // boxed once, as a catalog's attribute maps are
	count map[string]int
}

var genres = []string{"Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary",
	"Drama", "Fantasy", "Film-Noir", "Horror", "IMAX", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War"}

func newBenchCatalog(size, dim int) *benchCatalog {
	r := rand.New(rand.NewPCG(42, 7))
	c := &benchCatalog{ids: make([]string, size), vecs: make(map[string][]float32, size),
		cats: make(map[string][]string, size), years: make(map[string]any, size), count: make(map[string]int, size)}
	for i := range c.ids {
		id := fmt.Sprintf("item%07d", i)
		c.ids[i] = id
		g0 := r.IntN(len(genres))
		cs := []string{genres[g0]}
		for len(cs) < 3 && r.Float64() < 0.4 {
			if g := genres[r.IntN(len(genres))]; !slices.Contains(cs, g) {
				cs = append(cs, g)
			}
		}
		v := make([]float32, dim)
		var n float64
		for d := range v {
			v[d] = float32(0.4 * r.NormFloat64())
		}
		v[g0%dim] += 1
		for _, x := range v {
			n += float64(x * x)
		}
		for d := range v {
			v[d] /= float32(math.Sqrt(n))
		}
		c.vecs[id], c.cats[id] = v, cs
		c.years[id] = 1950 + r.IntN(75)
		c.count[id] = int(1000 / (1 + float64(i)*0.05)) // Zipf-like popularity
	}
	return c
}

func (c *benchCatalog) Categories(id string) []string { return c.cats[id] }
func (c *benchCatalog) Attribute(id, name string) (any, bool) {
	if name != "year" {
		return nil, false
	}
	y, ok := c.years[id]
	return y, ok
}

func (c *benchCatalog) sim(a, b string) float64 {
	x, y := c.vecs[a], c.vecs[b]
	if x == nil || y == nil {
		return 0
	}
	var s float32
	for i := range x {
		s += x[i] * y[i]
	}
	return float64(s)
}

// benchLists proposes 1,000 distinct items from four sources that overlap.
func benchLists(c *benchCatalog, seed uint64) []SourceList {
	r := rand.New(rand.NewPCG(seed, 3))
	pick := r.Perm(len(c.ids))[:1000]
	list := func(name string, from, to int) SourceList {
		l := SourceList{Name: name}
		for _, i := range pick[from:to] {
			l.Items = append(l.Items, SourceScore{ID: c.ids[i], Score: r.Float64()})
		}
		return l
	}
	knn := list("itemknn", 400, 1000)
	for i := range knn.Items {
		knn.Items[i].Because = []string{c.ids[pick[i%5]]}
	}
	return []SourceList{list("cf", 0, 600), knn, list("content", 200, 500), list("popular", 900, 1000)}
}

type benchEnv struct {
	cat    *benchCatalog
	lists  []SourceList
	tail   *TailSet
	rules  Rules
	recent []string
	exp    *Exposure
	p      Distribution
	title  func(string) string
	// vecs are the vectors of the candidates and recent items, as index.Vectors returns them.
	vecs map[string][]float32
}

func newBenchEnv(b *testing.B, size int) *benchEnv {
	b.Helper()
	c := newBenchCatalog(size, 32)
	tail, err := LongTailSet(c.count, DefaultHeadShare)
	if err != nil {
		b.Fatal(err)
	}
	year, _ := ParseCondition("year>=1960")
	boost, _ := ParseBoost("category=Comedy^1.2")
	exp, err := NewExposure(DefaultExposureOptions())
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 200; i++ { // some impressions already recorded
		exp.Record(c.ids[i*10 : i*10+10])
	}
	var hist []HistoryEntry
	for i := 0; i < 50; i++ {
		hist = append(hist, HistoryEntry{Categories: c.cats[c.ids[i*7]], Weight: 1, Time: time.Now().Add(-time.Duration(i) * time.Hour)})
	}
	lists := benchLists(c, 1)
	vecs := make(map[string][]float32, 1005)
	for _, l := range lists {
		for _, it := range l.Items {
			vecs[it.ID] = c.vecs[it.ID]
		}
	}
	for _, id := range c.ids[100:105] {
		vecs[id] = c.vecs[id]
	}
	return &benchEnv{
		cat: c, lists: lists, tail: tail, vecs: vecs,
		rules:  Rules{Exclude: c.ids[:20], Filters: []index.Condition{year}, Boosts: []Boost{boost}},
		recent: c.ids[100:105], exp: exp,
		p:     TargetDistribution(hist, time.Now(), 7*24*time.Hour),
		title: func(id string) string { return id },
	}
}

// run is the whole pipeline of stages for one request; pool bounds the Rerank input.
func (e *benchEnv) run(n, pool int) ([]Candidate, error) {
	sim := CosineSimilarity(e.vecs)
	cands, err := Blend(e.lists, DefaultBlendOptions())
	if err != nil {
		return nil, err
	}
	Annotate(cands, e.cat, e.tail)
	if cands, err = e.rules.Apply(cands, e.cat); err != nil {
		return nil, err
	}
	if err := SessionBoost(cands, e.recent, sim, DefaultSessionWeight); err != nil {
		return nil, err
	}
	if err := ExposureBoost(cands, e.exp, 0.05); err != nil {
		return nil, err
	}
	head := cands[:min(pool, len(cands))]
	if err := Rerank(head, n, RerankOptions{Diversity: 0.3, Sim: sim, Calibration: 0.3, Target: e.p}); err != nil {
		return nil, err
	}
	if err := LongTailShare(cands, n, 0.3); err != nil {
		return nil, err
	}
	out := cands[:min(n, len(cands))]
	Explain(out, e.title)
	return out, nil
}

// BenchmarkPipeline runs every stage on 1,000 candidates from a 10k catalog, n=10, and
// reports the 99th percentile of the per-request time besides the mean.
func BenchmarkPipeline(b *testing.B) {
	e := newBenchEnv(b, 10_000)
	for _, pool := range []int{100, 1000} {
		b.Run(fmt.Sprintf("cands=1000/pool=%d/n=10", pool), func(b *testing.B) {
			b.ReportAllocs()
			times := make([]time.Duration, 0, b.N)
			cpu0 := cpuTime()
			for b.Loop() {
				start := time.Now()
				out, err := e.run(10, pool)
				times = append(times, time.Since(start))
				if err != nil || len(out) != 10 {
					b.Fatalf("got %d items, err %v", len(out), err)
				}
			}
			// CPU time (all threads, GC included) per request is steadier than wall time on a
			// shared machine.
			b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(len(times)), "cpu-ns/op")
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)*99/100].Nanoseconds()), "p99-ns")
		})
	}
}

// cpuTime returns the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkStages times each stage alone on the 1,000 candidates (mutating stages get a
// fresh copy each time; the copy is timed in "copy").
func BenchmarkStages(b *testing.B) {
	e := newBenchEnv(b, 10_000)
	base, err := Blend(e.lists, DefaultBlendOptions())
	if err != nil {
		b.Fatal(err)
	}
	Annotate(base, e.cat, e.tail)
	work := make([]Candidate, len(base))
	stages := []struct {
		name string
		run  func() error
	}{
		{"copy", func() error { return nil }},
		{"cosine-setup", func() error { CosineSimilarity(e.vecs); return nil }},
		{"blend", func() error { _, err := Blend(e.lists, DefaultBlendOptions()); return err }},
		{"rules", func() error { _, err := e.rules.Apply(work, e.cat); return err }},
		{"session", func() error { return SessionBoost(work, e.recent, e.cat.sim, DefaultSessionWeight) }},
		{"exposure", func() error { return ExposureBoost(work, e.exp, 0.05) }},
		{"mmr/pool=100", func() error { return MMR(work[:100], 10, 0.5, e.cat.sim) }},
		{"mmr/pool=1000", func() error { return MMR(work, 10, 0.5, e.cat.sim) }},
		{"calibrate/pool=100", func() error { return Calibrate(work[:100], 10, 0.5, e.p) }},
		{"calibrate/pool=1000", func() error { return Calibrate(work, 10, 0.5, e.p) }},
		{"rerank/pool=100", func() error {
			return Rerank(work[:100], 10, RerankOptions{Diversity: 0.5, Sim: e.cat.sim, Calibration: 0.5, Target: e.p})
		}},
		{"rerank/served", func() error {
			// The pipeline's defaults: a pool of 200 of 1,000, rank relevance, genre overlap
			// mixed into the similarity (whose setup is part of the cost).
			o := DefaultOptions()
			sim := MixSimilarity(CategorySimilarity(work[:o.RerankPool]), o.DiversityCategoryWeight, e.cat.sim)
			return Rerank(work, 10, RerankOptions{Diversity: 0.5, Sim: sim, Calibration: 0.5, Target: e.p,
				Pool: o.RerankPool, Relevance: o.CalibrationRelevance})
		}},
		{"longtail", func() error { return LongTailShare(work, 10, 0.5) }},
		{"explain/n=10", func() error { Explain(work[:10], e.title); return nil }},
	}
	for _, s := range stages {
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				copy(work, base)
				if err := s.run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
