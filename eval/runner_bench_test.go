package eval

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/model"
)

// BenchmarkEvaluateFitted scores every item for every test user at several catalog sizes.
func BenchmarkEvaluateFitted(b *testing.B) {
	for _, items := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("users=500/items=%d", items), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			var evs []recd.Event
			for u := 0; u < 500; u++ {
				for n := 0; n < 50; n++ {
					evs = append(evs, recd.Event{UserID: fmt.Sprint(u), ItemID: fmt.Sprint(rng.IntN(items)), Type: recd.EventClick})
				}
			}
			s, err := RandomSplit(evs, 0.2, 1)
			if err != nil {
				b.Fatal(err)
			}
			d := BuildDataset(s.Train, model.DefaultWeights(), true)
			scores := make([]float32, d.NumItems())
			for i := range scores {
				scores[i] = rng.Float32()
			}
			rec := &fixedScores{scores: scores}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := EvaluateFitted(context.Background(), rec, d, s.Test, DefaultOptions()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
