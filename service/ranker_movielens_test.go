package service_test

import (
	"context"
	"testing"
)

// TestRanker_MovieLens trains the ranker on the service fixture (the bundled ratings over the
// first 5,000 items) with the default options (labels from each user's latest 20%): most
// users make training and validation groups, the served version says whether the ranker
// serves, and that decision is the validation gate's (it serves exactly when it beat the
// blend). On this truncated catalog the two are within 0.001 NDCG@10 of each other, so which
// one serves is not pinned here; the quality claim is `recd eval --split user-time` on the
// whole data set (docs/evaluation.md), where the ranker reaches 1.13x the blend.
func TestRanker_MovieLens(t *testing.T) {
	svc, _ := movieLens(t)
	models, err := svc.Models(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range models {
		if !m.Serving {
			continue
		}
		ri := m.Ranker
		if ri == nil {
			t.Fatal("the served version has no ranker info")
		}
		t.Logf("%s; %d trees, %d/%d users, %.1f s", ri.Reason, ri.Trees, ri.TrainGroups, ri.ValidGroups, ri.Seconds)
		if ri.Serving != (ri.ValidNDCG > ri.BlendNDCG) || ri.Reason == "" {
			t.Errorf("ranker serving = %v with NDCG@10 %.4f against the blend's %.4f (%q): the gate must serve exactly the better one",
				ri.Serving, ri.ValidNDCG, ri.BlendNDCG, ri.Reason)
		}
		if ri.Trees < 1 || ri.ValidNDCG <= 0 || ri.BlendNDCG <= 0 {
			t.Errorf("ranker info %+v: want a trained ranker measured on validation", ri)
		}
		if ri.TrainGroups < 400 || ri.ValidGroups < 60 {
			t.Errorf("%d training and %d validation users, want most of the 610", ri.TrainGroups, ri.ValidGroups)
		}
		return
	}
	t.Fatal("no version is served")
}

// BenchmarkTrain_RankerMovieLens retrains the MovieLens service (every source, then the
// ranker) and reports the ranker's own share of the run ("ranker-s": label split, label
// pipeline, groups, trees) beside the whole run's time per op.
func BenchmarkTrain_RankerMovieLens(b *testing.B) {
	svc, _ := movieLens(b)
	b.ResetTimer()
	total := 0.0
	for range b.N {
		info, err := svc.TrainForced(context.Background())
		if err != nil || info.Ranker == nil {
			b.Fatalf("%v, ranker info %v", err, info.Ranker)
		}
		total += info.Ranker.Seconds
	}
	b.ReportMetric(total/float64(b.N), "ranker-s")
}
