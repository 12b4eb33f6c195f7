package model_test

import (
	"context"
	"github.com/recd/recd/internal/racetest"
	"testing"

	"github.com/recd/recd/eval"
	"github.com/recd/recd/model"
)

// TestEASE_Quality pins EASE's NDCG@10 on the bundled data so that a regression fails.
func TestEASE_Quality(t *testing.T) {
	if racetest.Enabled {
		t.Skip(racetest.SkipMsg)
	}
	if testing.Short() {
		t.Skip("fits EASE on MovieLens latest-small")
	}
	p := loadProtocol(t)
	m := model.NewEASE(model.DefaultEASEOptions())
	r, err := eval.Evaluate(context.Background(), m, p.train, p.test, eval.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	ndcg := r.Metrics[eval.MetricNDCG]
	t.Logf("EASE kept %d of %d items, solver %s, NDCG@10 %.4f recall@10 %.4f coverage %.4f, fit %v",
		m.Kept, p.train.NumItems(), m.SolverUsed, ndcg, r.Metrics[eval.MetricRecall], r.Metrics[eval.MetricCoverage], r.TrainTime)
	checkPin(t, "ease", ndcg, easeWantNDCG)
}

const easeWantNDCG = 0.3716 // lambda 200, 4,477 items kept; 0.3721 with all 8,983

// BenchmarkEASE_Fit fits EASE on the bundled data with both solvers and item thresholds.
func BenchmarkEASE_Fit(b *testing.B) {
	p := loadProtocol(b)
	for _, c := range []struct {
		name     string
		minCount int
		solver   string
	}{
		{"items-min3", 3, model.EASESolverItems},
		{"users-min3", 3, model.EASESolverUsers},
		{"items-all", 1, model.EASESolverItems},
		{"users-all", 1, model.EASESolverUsers},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				opt := model.DefaultEASEOptions()
				opt.MinCount, opt.Solver = c.minCount, c.solver
				if err := model.NewEASE(opt).Fit(context.Background(), p.train); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
