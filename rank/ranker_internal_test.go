package rank

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestBestScores checks both ways of taking the k best scores (insertion for a small k, a
// sort above 64) against a sort of all of them, with ties and the skipped entry.
func TestBestScores(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 10, 300} {
		scores := make([]float64, n)
		for i := range scores {
			scores[i] = float64(r.IntN(20)) / 4 // ties on purpose
		}
		for _, skip := range []int32{0, int32(n / 2), int32(n - 1)} {
			var want []float64
			for i, s := range scores {
				if int32(i) != skip {
					want = append(want, s)
				}
			}
			slices.SortFunc(want, func(a, b float64) int { return cmp.Compare(b, a) })
			for _, k := range []int{1, 2, 5, 64, 65, 200} {
				if k > len(want) {
					continue
				}
				if got := bestScores(scores, skip, k); !slices.Equal(got, want[:k]) {
					t.Fatalf("n=%d skip=%d k=%d: got %v, want %v", n, skip, k, got, want[:k])
				}
			}
		}
	}
}
