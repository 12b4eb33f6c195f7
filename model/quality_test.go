package model_test

// Offline quality checks of the models on the bundled MovieLens latest-small, by the
// protocol `recd eval` runs and docs/evaluation.md documents: every rating a positive
// interaction of weight 1, a per-user random 80/20 split with seed 42, full ranking over the
// training items with each user's training items excluded, NDCG@10 and Recall@10. The
// split and the metrics are package eval's, so a pin here is the figure `recd eval` prints.

import (
	"context"
	"math"
	"sync"
	"testing"

	"github.com/recd/recd/dataset"
	"github.com/recd/recd/eval"
	"github.com/recd/recd/internal/racetest"
	"github.com/recd/recd/model"
)

// mlProtocol is the evaluation protocol's training data and held-out items.
type mlProtocol struct {
	train *model.Dataset
	test  map[string][]string
}

var (
	mlProtoOnce sync.Once
	mlProto     mlProtocol
	mlProtoErr  error
)

// loadProtocol reads the bundled data and splits it once per test binary, as `recd eval
// --data examples/ml-latest-small --split random --test-fraction 0.2 --seed 42` does.
func loadProtocol(tb testing.TB) mlProtocol {
	tb.Helper()
	mlProtoOnce.Do(func() {
		data, err := dataset.ReadMovieLens("../examples/ml-latest-small")
		if err != nil {
			mlProtoErr = err
			return
		}
		s, err := eval.RandomSplit(data.Events, 0.2, 42)
		if err != nil {
			mlProtoErr = err
			return
		}
		mlProto = mlProtocol{train: eval.BuildDataset(s.Train, model.DefaultWeights(), true), test: s.Test}
	})
	if mlProtoErr != nil {
		tb.Fatalf("load movielens: %v", mlProtoErr)
	}
	return mlProto
}

// evaluate returns the NDCG@10 and Recall@10 of a fitted rec on the protocol.
func evaluate(tb testing.TB, rec model.Recommender) (ndcg, recall float64) {
	tb.Helper()
	p := loadProtocol(tb)
	r, err := eval.EvaluateFitted(context.Background(), rec, p.train, p.test, eval.DefaultOptions())
	if err != nil {
		tb.Fatal(err)
	}
	return r.Metrics[eval.MetricNDCG], r.Metrics[eval.MetricRecall]
}

// fitEvaluate fits rec on the protocol's training data and evaluates it.
func fitEvaluate(tb testing.TB, rec model.Recommender) (ndcg, recall float64) {
	tb.Helper()
	if err := rec.Fit(context.Background(), loadProtocol(tb).train); err != nil {
		tb.Fatalf("fit %s: %v", rec.Name(), err)
	}
	return evaluate(tb, rec)
}

// checkPin fails when got is more than delta from the figure docs/evaluation.md reports.
// The models are deterministic, so the delta only absorbs floating-point differences
// between platforms; a change of method or defaults that moves a figure must update the
// pin and the docs together.
func checkPin(t *testing.T, name string, got, want float64) {
	t.Helper()
	const delta = 0.005
	if math.Abs(got-want) > delta {
		t.Errorf("%s NDCG@10 = %.4f, want %.4f ± %.3f", name, got, want, delta)
	}
}

// unknownUser scores every user as unknown (u = -1), so the model folds the user in from the
// training history: the quality of fold-in for a user the model never trained on.
type unknownUser struct{ model.Recommender }

func (f unknownUser) Score(_ int, items []int32, weights []float32, dst []float32) {
	f.Recommender.Score(-1, items, weights, dst)
}

func skipSlow(t *testing.T) {
	t.Helper()
	if racetest.Enabled {
		t.Skip(racetest.SkipMsg)
	}
	if testing.Short() {
		t.Skip("trains on MovieLens latest-small")
	}
}

func TestALS_Quality(t *testing.T) {
	skipSlow(t)
	m := model.NewALS(model.DefaultALSOptions())
	ndcg, recall := fitEvaluate(t, m)
	t.Logf("als defaults: NDCG@10 %.4f Recall@10 %.4f", ndcg, recall)
	checkPin(t, "als", ndcg, 0.3390)
	if ndcg < 0.30 {
		t.Errorf("NDCG@10 = %.4f is below the 0.30 target", ndcg)
	}
	t.Run("fold-in", func(t *testing.T) {
		folded, recall := evaluate(t, unknownUser{m})
		t.Logf("als fold-in: NDCG@10 %.4f Recall@10 %.4f", folded, recall)
		if folded < 0.97*ndcg {
			t.Errorf("fold-in NDCG@10 %.4f is below 0.97 × the trained %.4f", folded, ndcg)
		}
	})
}

func TestBPR_Quality(t *testing.T) {
	skipSlow(t)
	m := model.NewBPR(model.DefaultBPROptions())
	ndcg, recall := fitEvaluate(t, m)
	t.Logf("bpr defaults: NDCG@10 %.4f Recall@10 %.4f", ndcg, recall)
	checkPin(t, "bpr", ndcg, 0.3008)
	if ndcg < 0.27 {
		t.Errorf("NDCG@10 = %.4f is below the 0.27 target", ndcg)
	}
	folded, frecall := evaluate(t, unknownUser{m})
	t.Logf("bpr fold-in: NDCG@10 %.4f Recall@10 %.4f", folded, frecall)
	if folded < 0.95*ndcg {
		t.Errorf("fold-in NDCG@10 %.4f is below 0.95 × the trained %.4f", folded, ndcg)
	}
}

func TestItemKNN_QualityMovieLens(t *testing.T) {
	skipSlow(t)
	ndcg, recall := fitEvaluate(t, model.NewItemKNN(model.DefaultItemKNNOptions()))
	t.Logf("itemknn defaults: NDCG@10 %.4f Recall@10 %.4f", ndcg, recall)
	checkPin(t, "itemknn", ndcg, 0.2835)
}

func BenchmarkItemKNN_FitMLSmall(b *testing.B) {
	d := loadProtocol(b).train
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := model.NewItemKNN(model.DefaultItemKNNOptions()).Fit(context.Background(), d); err != nil {
			b.Fatal(err)
		}
	}
}
