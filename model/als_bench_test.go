package model

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/dataset"
)

var (
	facMLFullOnce sync.Once
	facMLFull     *Dataset
	facMLFullErr  error
)

// facLoadMLFull returns all of MovieLens latest-small as binary interactions.
func facLoadMLFull(tb testing.TB) *Dataset {
	tb.Helper()
	facMLFullOnce.Do(func() {
		data, err := dataset.ReadMovieLens("../examples/ml-latest-small")
		if err != nil {
			facMLFullErr = err
			return
		}
		b := NewBuilder(Weights{Default: 1})
		for _, e := range data.Events {
			b.Add(recd.Event{UserID: e.UserID, ItemID: e.ItemID, Type: recd.EventClick})
		}
		facMLFull = b.Build()
	})
	if facMLFullErr != nil {
		tb.Fatalf("load movielens: %v", facMLFullErr)
	}
	return facMLFull
}

// facSynthetic builds a Dataset of at least nnz (a little more) distinct interactions of
// unit weight between users and items whose activity and popularity both follow a Zipf law
// (exponent 1.1), the CSR/CSC arrays built directly rather than through a Builder.
func facSynthetic(users, items, nnz int, seed uint64) *Dataset {
	rng := rand.New(rand.NewPCG(seed, 11))
	zu := rand.NewZipf(rng, 1.1, 10, uint64(users-1))
	zi := rand.NewZipf(rng, 1.1, 10, uint64(items-1))
	// Random relabelling so popular items and heavy users are spread over the index range.
	pu, pi := rng.Perm(users), rng.Perm(items)
	var keys []uint64
	for draw := nnz; len(keys) < nnz; {
		for range draw {
			keys = append(keys, uint64(pu[zu.Uint64()])<<32|uint64(pi[zi.Uint64()]))
		}
		before := len(keys)
		slices.Sort(keys)
		keys = slices.Compact(keys)
		// Draw the shortfall again, scaled by this round's yield of new pairs, plus 0.5%.
		yield := float64(len(keys)-(before-draw)) / float64(draw)
		draw = int(float64(nnz-len(keys))/max(yield, 0.01)) + nnz/200
	}
	d := &Dataset{Users: make([]string, users), Items: make([]string, items),
		UserPtr: make([]int32, users+1), ItemPtr: make([]int32, items+1),
		UserItems: make([]int32, len(keys)), UserWeights: make([]float32, len(keys)),
		ItemUsers: make([]int32, len(keys)), ItemWeights: make([]float32, len(keys))}
	for n, k := range keys {
		u, i := int32(k>>32), int32(uint32(k))
		d.UserPtr[u+1]++
		d.ItemPtr[i+1]++
		d.UserItems[n], d.UserWeights[n] = i, 1
	}
	for u := 0; u < users; u++ {
		d.UserPtr[u+1] += d.UserPtr[u]
	}
	for i := 0; i < items; i++ {
		d.ItemPtr[i+1] += d.ItemPtr[i]
	}
	next := slices.Clone(d.ItemPtr[:items])
	for _, k := range keys {
		u, i := int32(k>>32), int32(uint32(k))
		d.ItemUsers[next[i]], d.ItemWeights[next[i]] = u, 1
		next[i]++
	}
	return d
}

func BenchmarkALS_Fit_MLSmall(b *testing.B) {
	d := facLoadMLFull(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := NewALS(DefaultALSOptions()).Fit(context.Background(), d); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkALS_Fit_Synthetic10M trains the defaults on a synthetic 10M-event data set
// (200k users, 50k items); run it once with -benchtime=1x. It reports the live heap after
// training in MB.
func BenchmarkALS_Fit_Synthetic10M(b *testing.B) {
	d := facSynthetic(200_000, 50_000, 10_000_000, 1)
	runtime.GC()
	b.Logf("synthetic: %d users, %d items, %d distinct interactions", d.NumUsers(), d.NumItems(), d.NNZ())
	b.ReportAllocs()
	b.ResetTimer()
	var m *ALS
	for b.Loop() {
		m = NewALS(DefaultALSOptions())
		if err := m.Fit(context.Background(), d); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapAlloc)/1e6, "heapMB")
	runtime.KeepAlive(m)
}

func BenchmarkALS_FoldIn(b *testing.B) {
	d := facLoadMLFull(b)
	m := NewALS(DefaultALSOptions())
	if err := m.Fit(context.Background(), d); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{10, 100, 1000} {
		items := make([]int32, n)
		weights := make([]float32, n)
		for j := range items {
			items[j], weights[j] = int32(rng.IntN(d.NumItems())), 1
		}
		dst := make([]float32, m.Options().Factors)
		b.Run(fmt.Sprintf("history=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m.FoldInTo(dst, items, weights)
			}
		})
	}
}

func BenchmarkALS_Score(b *testing.B) {
	d := facLoadMLFull(b)
	m := NewALS(DefaultALSOptions())
	if err := m.Fit(context.Background(), d); err != nil {
		b.Fatal(err)
	}
	dst := make([]float32, d.NumItems())
	items, weights := d.UserRow(10)
	b.Run("trained", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m.Score(10, items, weights, dst)
		}
	})
	changed := append(slices.Clone(items), 0)
	cw := append(slices.Clone(weights), 1)
	b.Run("fold-in", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m.Score(10, changed, cw, dst)
		}
	})
}

func TestFacSynthetic(t *testing.T) {
	d := facSynthetic(1000, 500, 20_000, 1)
	if err := facCheckDataset(d); err != nil {
		t.Fatal(err)
	}
	if d.NNZ() < 20_000 || d.NNZ() > 21_000 {
		t.Fatalf("%d interactions, want 20000 to 21000", d.NNZ())
	}
	for u := 0; u < d.NumUsers(); u++ {
		if items, _ := d.UserRow(u); !slices.IsSorted(items) {
			t.Fatalf("user %d: items not ascending", u)
		}
	}
}
