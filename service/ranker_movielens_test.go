package service_test

import (
	"context"
	"testing"
)

// TestRanker_MovieLens pins the learned ranker on the bundled data: trained with the default
// options (labels from each user's latest 20%), it beats the blend on its validation users,
// serves, and trains in well under the 2 minutes a run on 2 cores may take.
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
		if !ri.Serving || ri.ValidNDCG <= ri.BlendNDCG {
			t.Errorf("the ranker does not serve on MovieLens: %s", ri.Reason)
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
