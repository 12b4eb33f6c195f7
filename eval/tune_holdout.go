package eval

import (
	"context"
	"errors"
	"fmt"

	"github.com/recd/recd"
	"github.com/recd/recd/model"
)

// Holdout is a search on the training part of a per-user random split, with the best and
// the default configurations then refitted on the whole training part and scored on test.
type Holdout struct {
	*TuneResult
	// TestFraction and TestPairs describe the outer split.
	TestFraction float64 `json:"test_fraction"`
	TestPairs    int     `json:"test_pairs"`
	// BestTest and DefaultTest are NDCG@K on the test split after refitting on all training data.
	BestTest    float64 `json:"best_test_ndcg"`
	DefaultTest float64 `json:"default_test_ndcg"`
}

// TuneHoldout splits events per user (RandomSplit with testFraction and opt.Seed), tunes s
// on the training part only (Tune), then refits the best and the default configurations
// on the whole training part and scores both on the test part.
func TuneHoldout(ctx context.Context, s *Space, events []recd.Event, testFraction float64, opt TuneOptions) (*Holdout, error) {
	split, err := RandomSplit(events, testFraction, opt.Seed)
	if err != nil {
		return nil, err
	}
	res, err := Tune(ctx, s, split.Train, opt)
	if err != nil {
		return nil, err
	}
	h := &Holdout{TuneResult: res, TestFraction: testFraction, TestPairs: split.NumTest()}
	if h.BestTest, err = TestNDCG(ctx, s, res.Best.Params, split, opt); err != nil {
		return nil, fmt.Errorf("best configuration: %w", err)
	}
	h.DefaultTest = h.BestTest
	if res.Best.ID != 0 {
		if h.DefaultTest, err = TestNDCG(ctx, s, res.Default.Params, split, opt); err != nil {
			return nil, fmt.Errorf("default configuration: %w", err)
		}
	}
	return h, nil
}

// TestNDCG fits configuration p on split.Train and returns its NDCG@opt.K on split.Test.
func TestNDCG(ctx context.Context, s *Space, p Params, split *Split, opt TuneOptions) (float64, error) {
	if split.NumTest() == 0 {
		return 0, errors.New("empty test split")
	}
	rec, err := s.New(p)
	if err != nil {
		return 0, err
	}
	o := DefaultOptions()
	o.K, o.Workers = opt.K, opt.Workers
	r, err := Evaluate(ctx, rec, BuildDataset(split.Train, model.DefaultWeights(), opt.Binary), split.Test, o)
	closeModel(rec)
	if err != nil {
		return 0, err
	}
	return r.Metrics[MetricNDCG], nil
}
