package model_test

import (
	"context"
	"github.com/recd/recd/internal/racetest"
	"sync"
	"testing"

	"github.com/recd/recd/dataset"
	"github.com/recd/recd/eval"
	"github.com/recd/recd/model"
)

// easeProtocol is the evaluation protocol of issue 5 on the bundled MovieLens latest-small:
// every rating a positive interaction of weight 1, per-user 80/20 random split with seed 42.
type easeProtocol struct {
	train *model.Dataset
	test  map[string][]string
}

var (
	easeProtoOnce sync.Once
	easeProto     easeProtocol
	easeProtoErr  error
)

func easeLoadProtocol(tb testing.TB) easeProtocol {
	tb.Helper()
	easeProtoOnce.Do(func() {
		data, err := dataset.ReadMovieLens("../examples/ml-latest-small")
		if err != nil {
			easeProtoErr = err
			return
		}
		s, err := eval.RandomSplit(data.Events, 0.2, 42)
		if err != nil {
			easeProtoErr = err
			return
		}
		easeProto = easeProtocol{train: eval.BuildDataset(s.Train, model.DefaultWeights(), true), test: s.Test}
	})
	if easeProtoErr != nil {
		tb.Fatal(easeProtoErr)
	}
	return easeProto
}

// TestEASE_Quality pins EASE's NDCG@10 on the bundled data so that a regression fails.
func TestEASE_Quality(t *testing.T) {
	if racetest.Enabled {
		t.Skip(racetest.SkipMsg)
	}
	if testing.Short() {
		t.Skip("fits EASE on MovieLens latest-small")
	}
	p := easeLoadProtocol(t)
	m := model.NewEASE(model.DefaultEASEOptions())
	r, err := eval.Evaluate(context.Background(), m, p.train, p.test, eval.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	ndcg := r.Metrics[eval.MetricNDCG]
	t.Logf("EASE kept %d of %d items, solver %s, NDCG@10 %.4f recall@10 %.4f coverage %.4f, fit %v",
		m.Kept, p.train.NumItems(), m.SolverUsed, ndcg, r.Metrics[eval.MetricRecall], r.Metrics[eval.MetricCoverage], r.TrainTime)
	const want, delta = easeWantNDCG, 0.005
	if ndcg < want-delta || ndcg > want+delta {
		t.Errorf("NDCG@10 = %.4f, want %.4f ± %.3f", ndcg, want, delta)
	}
}

const easeWantNDCG = 0.3716 // lambda 200, 4,477 items kept; 0.3721 with all 8,983

// BenchmarkEASE_Fit fits EASE on the bundled data with both solvers and item thresholds.
func BenchmarkEASE_Fit(b *testing.B) {
	p := easeLoadProtocol(b)
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
