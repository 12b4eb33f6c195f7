package hnsw

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"

	"github.com/recd/recd/index"
)

// clustered returns n unit vectors of dim drawn around 100 Gaussian centres, like the ANN
// harness data, and the same generator's queries.
func clustered(seed uint64, n, dim int) []float32 {
	r := rand.New(rand.NewPCG(seed, 99))
	centres := make([]float32, 100*dim)
	for i := range centres {
		centres[i] = float32(r.NormFloat64())
	}
	out := make([]float32, n*dim)
	for i := 0; i < n; i++ {
		c := r.IntN(100)
		v := out[i*dim : (i+1)*dim]
		for j := range v {
			v[j] = centres[c*dim+j] + float32(r.NormFloat64()*1.2)
		}
		index.Normalize(v)
	}
	return out
}

var benchIndexes sync.Map // size -> *Index, built once per process

func benchIndex(b *testing.B, n, dim int) *Index {
	key := fmt.Sprint(n, "x", dim)
	if ix, ok := benchIndexes.Load(key); ok {
		return ix.(*Index)
	}
	ix, err := New(DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := ix.CreateSpace(ctx, index.SpaceConfig{Name: "v", Dim: dim, Metric: index.Cosine}); err != nil {
		b.Fatal(err)
	}
	data := clustered(1, n, dim)
	for lo := 0; lo < n; lo += 5000 {
		hi := min(n, lo+5000)
		pts := make([]index.Point, 0, hi-lo)
		for i := lo; i < hi; i++ {
			pts = append(pts, index.Point{ID: strconv.Itoa(i), Vectors: map[string][]float32{"v": data[i*dim : (i+1)*dim]},
				Payload: index.Payload{Categories: []string{strconv.Itoa(i % 50)}, Available: i%2 == 0}})
		}
		if err := ix.Upsert(ctx, pts); err != nil {
			b.Fatal(err)
		}
	}
	benchIndexes.Store(key, ix)
	return ix
}

func BenchmarkIndex_Search(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		ix := benchIndex(b, n, 64)
		queries := clustered(2, 1000, 64)
		for _, tc := range []struct {
			name string
			f    *index.Filter
		}{
			{"unfiltered", nil},
			{"available_50pct", &index.Filter{AvailableOnly: true}},
			{"category_2pct", &index.Filter{Categories: []string{"7"}}},
		} {
			b.Run(fmt.Sprintf("n=%d/%s", n, tc.name), func(b *testing.B) {
				b.ReportAllocs()
				ctx := context.Background()
				i := 0
				for b.Loop() {
					q := queries[(i%1000)*64 : (i%1000+1)*64]
					if _, err := ix.Search(ctx, index.SearchRequest{Space: "v", Vector: q, K: 10, Filter: tc.f}); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
		}
	}
}

// BenchmarkIndex_SearchDenyNearest is the CF source's search for a heavy user: K 200 with
// the items nearest the query denied (a user's history sits near their vector), against the
// same search with only the availability filter.
func BenchmarkIndex_SearchDenyNearest(b *testing.B) {
	const n, dim, nq = 30_000, 64, 20
	ix := benchIndex(b, n, dim)
	data := clustered(1, n, dim)
	queries := clustered(2, nq, dim)
	for _, denied := range []int{0, 100, 1000} {
		filters := make([]*index.Filter, nq)
		for qi := range filters {
			q := queries[qi*dim : (qi+1)*dim]
			top := index.NewTopK(denied)
			for i := 0; i < n && denied > 0; i++ {
				var d float32
				for j, v := range data[i*dim : (i+1)*dim] {
					d += v * q[j]
				}
				top.Push(strconv.Itoa(i), d)
			}
			f := &index.Filter{AvailableOnly: true}
			for _, h := range top.Sorted() {
				f.Deny = append(f.Deny, h.ID)
			}
			filters[qi] = f
		}
		b.Run(fmt.Sprintf("denied=%d", denied), func(b *testing.B) {
			b.ReportAllocs()
			ctx := context.Background()
			i := 0
			for b.Loop() {
				qi := i % nq
				if _, err := ix.Search(ctx, index.SearchRequest{Space: "v", Vector: queries[qi*dim : (qi+1)*dim], K: 200, Filter: filters[qi]}); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

func BenchmarkIndex_Upsert(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			ix := benchIndex(b, n, 64)
			extra := clustered(3, 1000, 64)
			ctx := context.Background()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				j := i % 1000
				p := index.Point{ID: "new" + strconv.Itoa(i), Vectors: map[string][]float32{"v": extra[j*64 : (j+1)*64]}}
				if err := ix.Upsert(ctx, []index.Point{p}); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
