package embed

import (
	"cmp"
	"slices"
	"sync"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/dataset"
	"github.com/recd/recd/index"
	"gonum.org/v1/gonum/mat"
)

const movieLensDir = "../examples/ml-latest-small"

var (
	movieLensOnce  sync.Once
	movieLensItems []recd.Item
	movieLensData  *dataset.Data
	movieLensErr   error
)

// movies returns the bundled MovieLens catalog, read once per test binary.
func movies(tb testing.TB) []recd.Item {
	tb.Helper()
	movieLensOnce.Do(func() {
		d, err := dataset.ReadMovieLens(movieLensDir)
		if err != nil {
			movieLensErr = err
			return
		}
		movieLensItems, movieLensData = d.Items, d
	})
	if movieLensErr != nil {
		tb.Fatalf("read movielens: %v", movieLensErr)
	}
	return movieLensItems
}

// movieEvents returns the bundled ratings.
func movieEvents(tb testing.TB) []recd.Event {
	tb.Helper()
	movies(tb)
	return movieLensData.Events
}

func sparseDot(a, b index.SparseVector) float64 {
	var s float64
	for i, j := 0, 0; i < len(a.Indices) && j < len(b.Indices); {
		switch {
		case a.Indices[i] < b.Indices[j]:
			i++
		case a.Indices[i] > b.Indices[j]:
			j++
		default:
			s += float64(a.Values[i]) * float64(b.Values[j])
			i++
			j++
		}
	}
	return s
}

func denseDot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// topK returns the positions of the k highest scores, skipping position skip (-1: none).
func topK(scores []float64, k, skip int) []int {
	idx := make([]int, 0, len(scores))
	for i := range scores {
		if i != skip {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(scores[b], scores[a]) })
	return idx[:min(k, len(idx))]
}

// countKids counts the items among pos with Animation or Children among their categories.
func countKids(items []recd.Item, pos []int) int {
	n := 0
	for _, p := range pos {
		if slices.Contains(items[p].Categories, "Animation") || slices.Contains(items[p].Categories, "Children") {
			n++
		}
	}
	return n
}

func itemPos(tb testing.TB, items []recd.Item, id string) int {
	tb.Helper()
	i := slices.IndexFunc(items, func(it recd.Item) bool { return it.ID == id })
	if i < 0 {
		tb.Fatalf("item %q not in the data", id)
	}
	return i
}

func titles(items []recd.Item, pos []int) []string {
	out := make([]string, len(pos))
	for i, p := range pos {
		out[i] = items[p].Title
	}
	return out
}

// raptorValley is a cold item: it is in no data set.
var raptorValley = recd.Item{
	ID:         "cold-1",
	Title:      "Raptor Valley (2024)",
	Text:       "An animated family adventure: a young dinosaur and his friends cross a valley of dinosaurs.",
	Categories: []string{"Animation", "Children", "Adventure"},
}

func mat64Dense(r, c int) *mat.Dense { return mat.NewDense(r, c, nil) }

func mat64Copy(m mat.Matrix) *mat.Dense { return mat.DenseCopyOf(m) }
