package model

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/recd/recd"
)

// catalogDataset draws a fixed number of interactions over a catalog of the given size:
// users' activity and items' popularity both follow power laws (the shapes of MovieLens), so
// a few heavy users have long histories and most items are in the long tail. Seeded.
func catalogDataset(users, items, events int, seed uint64) *Dataset {
	rng := rand.New(rand.NewPCG(seed, 1))
	b := NewBuilder(DefaultWeights())
	for i := range items {
		b.AddItem(fmt.Sprintf("i%d", i))
	}
	skewed := func(n int, s float64) int { return int(float64(n) * math.Pow(rng.Float64(), s)) } // most draws near 0
	for range events {
		u, i := skewed(users, 1.5), skewed(items, 2)
		b.Add(recd.Event{UserID: fmt.Sprintf("u%d", u), ItemID: fmt.Sprintf("i%d", i), Type: recd.EventClick})
	}
	return b.Build()
}

// BenchmarkItemKNN_FitCatalog fits item-kNN on the same number of events over catalogs
// growing tenfold twice: the work is the co-occurrences within users' histories (their
// lengths' squares), which the catalog's size does not change, so time and memory must grow
// far less than the catalog, and never with its square. items-nnz and heap-MB (the live heap
// after the fit, the neighbour lists included) are reported beside the time.
func BenchmarkItemKNN_FitCatalog(b *testing.B) {
	const users, events = 5000, 500000
	for _, items := range []int{2000, 20000, 200000} {
		d := catalogDataset(users, items, events, 1)
		b.Run(fmt.Sprintf("items=%d", items), func(b *testing.B) {
			b.ReportAllocs()
			var m *ItemKNN
			for range b.N {
				m = NewItemKNN(DefaultItemKNNOptions())
				if err := m.Fit(context.Background(), d); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(d.NNZ()), "nnz")
			b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MB")
			runtime.KeepAlive(m)
		})
	}
}

// TestItemKNN_FitMatchesFullSort checks the fit's top-k heaps and reused scratch against the
// definition: every co-occurring item's similarity, accumulated in the same order, sorted,
// the first Neighbors kept. A catalog of long-tail items (some with no co-occurrence) and a
// small k make the heap evict, and two workers reuse their scratch across items.
func TestItemKNN_FitMatchesFullSort(t *testing.T) {
	d := catalogDataset(300, 2000, 20000, 3)
	o := DefaultItemKNNOptions()
	o.Neighbors, o.Workers = 7, 2
	for _, binary := range []bool{true, false} {
		o.Binary = binary
		m := NewItemKNN(o)
		if err := m.Fit(context.Background(), d); err != nil {
			t.Fatal(err)
		}
		for i := range d.NumItems() {
			if want := referenceNeighbors(d, o, i); !slices.Equal(m.Neighbors[i], want) {
				t.Fatalf("binary=%v item %d: neighbours %v, want %v", binary, i, m.Neighbors[i], want)
			}
		}
	}
}

func referenceNeighbors(d *Dataset, o ItemKNNOptions, i int) []Neighbor {
	sq := func(j int) float64 {
		_, ws := d.ItemCol(j)
		s := 0.0
		for _, w := range ws {
			if o.Binary {
				s++
			} else {
				s += float64(w) * float64(w)
			}
		}
		return s
	}
	dot := map[int32]float64{}
	users, uw := d.ItemCol(i)
	for n, u := range users {
		wi := float64(uw[n])
		if o.Binary {
			wi = 1
		}
		items, iw := d.UserRow(int(u))
		for k, j := range items {
			if int(j) == i {
				continue
			}
			wj := float64(iw[k])
			if o.Binary {
				wj = 1
			}
			dot[j] += wi * wj
		}
	}
	all := []Neighbor{}
	for j, v := range dot {
		den := math.Pow(sq(i), o.Alpha)*math.Pow(sq(int(j)), 1-o.Alpha) + o.Shrink
		if den > 0 {
			all = append(all, Neighbor{Item: j, Sim: float32(v / den)})
		}
	}
	slices.SortFunc(all, func(a, b Neighbor) int {
		if knnBetter(a, b) {
			return -1
		}
		return 1
	})
	return all[:min(len(all), o.Neighbors)]
}
