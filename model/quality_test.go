package model

// Offline quality checks of the factor models on the bundled MovieLens latest-small, by the
// protocol of issue 5: every rating is a positive interaction of binary weight 1 (ratings are
// re-typed as clicks, weighted 1, so the rating value plays no part), a per-user random 80/20
// holdout with seed 42, full ranking over every item of the training set with the user's
// training items excluded, NDCG@10 with binary relevance and ideal DCG over min(k, |test|),
// and Recall@10 = hits / min(k, |test|). Test items absent from the training set cannot be
// ranked and count as misses. This evaluator is private to the tests; the eval package owns the
// real one.

import (
	"context"
	"github.com/recd/recd/internal/racetest"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/dataset"
)

const facMLDir = "../examples/ml-latest-small"

type facSplit struct {
	train *Dataset
	test  [][]int32 // per training user index: held-out item indexes (-1 if not in training)
}

var (
	facSplitOnce sync.Once
	facSplitData *facSplit
	facSplitErr  error
)

// facLoadSplit reads the bundled data and splits it once per test binary.
func facLoadSplit(tb testing.TB) *facSplit {
	tb.Helper()
	facSplitOnce.Do(func() {
		data, err := dataset.ReadMovieLens(facMLDir)
		if err != nil {
			facSplitErr = err
			return
		}
		facSplitData = facMakeSplit(data.Events, 0.2, 42)
	})
	if facSplitErr != nil {
		tb.Fatalf("load movielens: %v", facSplitErr)
	}
	return facSplitData
}

// facMakeSplit holds out round(frac·n) of each user's distinct items, drawn by a Fisher-Yates
// shuffle from one generator seeded with seed, users taken in order of first appearance.
func facMakeSplit(events []recd.Event, frac float64, seed uint64) *facSplit {
	var order []string
	byUser := map[string][]string{}
	seen := map[[2]string]bool{}
	for _, e := range events {
		if seen[[2]string{e.UserID, e.ItemID}] {
			continue
		}
		seen[[2]string{e.UserID, e.ItemID}] = true
		if _, ok := byUser[e.UserID]; !ok {
			order = append(order, e.UserID)
		}
		byUser[e.UserID] = append(byUser[e.UserID], e.ItemID)
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	b := NewBuilder(Weights{Default: 1})
	held := map[string][]string{}
	for _, u := range order {
		items := byUser[u]
		rng.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
		nt := int(math.Round(frac * float64(len(items))))
		held[u] = items[:nt]
		for _, it := range items[nt:] {
			b.Add(recd.Event{UserID: u, ItemID: it, Type: recd.EventClick})
		}
	}
	s := &facSplit{train: b.Build()}
	s.test = make([][]int32, s.train.NumUsers())
	for u, id := range s.train.Users {
		for _, it := range held[id] {
			i, ok := s.train.ItemIndex[it]
			if !ok {
				i = -1
			}
			s.test[u] = append(s.test[u], i)
		}
	}
	return s
}

// facEvaluate returns the mean NDCG@k and Recall@k of rec over the users with held-out items.
func facEvaluate(rec Recommender, s *facSplit, k int) (ndcg, recall float64) {
	d := s.train
	scores := make([]float32, d.NumItems())
	top := make([]int32, 0, k)
	users := 0
	for u := 0; u < d.NumUsers(); u++ {
		test := s.test[u]
		if len(test) == 0 {
			continue
		}
		items, weights := d.UserRow(u)
		rec.Score(u, items, weights, scores)
		for _, i := range items {
			scores[i] = float32(math.Inf(-1))
		}
		top = facTopK(scores, k, top[:0])
		relevant := map[int32]bool{}
		for _, i := range test {
			if i >= 0 {
				relevant[i] = true
			}
		}
		m := min(k, len(test))
		dcg, idcg, hits := 0.0, 0.0, 0
		for r, i := range top {
			if relevant[i] {
				dcg += 1 / math.Log2(float64(r)+2)
				hits++
			}
		}
		for r := 0; r < m; r++ {
			idcg += 1 / math.Log2(float64(r)+2)
		}
		ndcg += dcg / idcg
		recall += float64(hits) / float64(m)
		users++
	}
	return ndcg / float64(users), recall / float64(users)
}

// facTopK appends the indexes of the k highest scores to dst, best first; ties go to the lower
// index, and -Inf scores are never chosen.
func facTopK(scores []float32, k int, dst []int32) []int32 {
	for i, v := range scores {
		if math.IsInf(float64(v), -1) || math.IsNaN(float64(v)) {
			continue
		}
		if len(dst) == k && v <= scores[dst[k-1]] {
			continue
		}
		if len(dst) < k {
			dst = append(dst, int32(i))
		} else {
			dst[k-1] = int32(i)
		}
		for j := len(dst) - 1; j > 0 && scores[dst[j]] > scores[dst[j-1]]; j-- {
			dst[j], dst[j-1] = dst[j-1], dst[j]
		}
	}
	return dst
}

// facFitEval fits rec on the split and returns its NDCG@10 and Recall@10.
func facFitEval(tb testing.TB, rec Recommender) (ndcg, recall float64) {
	tb.Helper()
	s := facLoadSplit(tb)
	if err := rec.Fit(context.Background(), s.train); err != nil {
		tb.Fatalf("fit %s: %v", rec.Name(), err)
	}
	return facEvaluate(rec, s, 10)
}

// facUnknownUser scores every user as unknown (u = -1), so the model folds the user in from the
// training history: the quality of fold-in for a user the model never trained on.
type facUnknownUser struct{ Recommender }

func (f facUnknownUser) Score(_ int, items []int32, weights []float32, dst []float32) {
	f.Recommender.Score(-1, items, weights, dst)
}

func TestALS_Quality(t *testing.T) {
	if racetest.Enabled {
		t.Skip(racetest.SkipMsg)
	}
	if testing.Short() {
		t.Skip("trains on MovieLens latest-small")
	}
	// Pinned from a run of the defaults; the model is deterministic, so the delta only absorbs
	// floating-point differences between platforms. A change of method or defaults that moves
	// the figure must update the pin deliberately.
	const want, delta = 0.3488, 0.005
	ndcg, recall := facFitEval(t, NewALS(DefaultALSOptions()))
	t.Logf("als defaults: NDCG@10 %.4f Recall@10 %.4f", ndcg, recall)
	if math.Abs(ndcg-want) > delta {
		t.Errorf("NDCG@10 = %.4f, want %.4f ± %.3f", ndcg, want, delta)
	}
	if ndcg < 0.30 {
		t.Errorf("NDCG@10 = %.4f is below the 0.30 target", ndcg)
	}
	t.Run("fold-in", func(t *testing.T) {
		m := NewALS(DefaultALSOptions())
		trained, _ := facFitEval(t, m)
		folded, recall := facEvaluate(facUnknownUser{m}, facLoadSplit(t), 10)
		t.Logf("als fold-in: NDCG@10 %.4f Recall@10 %.4f", folded, recall)
		if folded < 0.97*trained {
			t.Errorf("fold-in NDCG@10 %.4f is below 0.97 × the trained %.4f", folded, trained)
		}
	})
}

func TestBPR_Quality(t *testing.T) {
	if racetest.Enabled {
		t.Skip(racetest.SkipMsg)
	}
	if testing.Short() {
		t.Skip("trains on MovieLens latest-small")
	}
	const want, delta = 0.3017, 0.005 // pinned like ALS's
	m := NewBPR(DefaultBPROptions())
	ndcg, recall := facFitEval(t, m)
	t.Logf("bpr defaults: NDCG@10 %.4f Recall@10 %.4f", ndcg, recall)
	if math.Abs(ndcg-want) > delta {
		t.Errorf("NDCG@10 = %.4f, want %.4f ± %.3f", ndcg, want, delta)
	}
	if ndcg < 0.27 {
		t.Errorf("NDCG@10 = %.4f is below the 0.27 target", ndcg)
	}
	folded, frecall := facEvaluate(facUnknownUser{m}, facLoadSplit(t), 10)
	t.Logf("bpr fold-in: NDCG@10 %.4f Recall@10 %.4f", folded, frecall)
	if folded < 0.95*ndcg {
		t.Errorf("fold-in NDCG@10 %.4f is below 0.95 × the trained %.4f", folded, ndcg)
	}
}
