// Package gbdt trains gradient-boosted regression trees for ranking (LambdaMART) in pure Go and evaluates them over flat arrays.
package gbdt

import (
	"errors"
	"fmt"
	"math"
	"runtime"
)

// ErrInvalid is wrapped by every error about bad parameters or a bad data set.
var ErrInvalid = errors.New("invalid")

// ErrCorrupt is wrapped by every error about model bytes that cannot be decoded.
var ErrCorrupt = errors.New("corrupt model")

// Params configures TrainLambdaMART. DefaultParams gives a sensible start; the zero value is
// invalid.
type Params struct {
	// Trees is the most boosting rounds, one tree each; a validation set may keep fewer.
	Trees int
	// MaxDepth is the most splits on a path from the root to a leaf, 1..10.
	MaxDepth int
	// MaxLeaves is the most leaves of one tree, 2..1024 (a tree of depth 10 has no more). Trees
	// grow best-first (the leaf whose split gains most is split next) until this, the depth limit
	// or no positive gain stops them. Training holds one histogram (about 6 KB a feature) per
	// leaf that may still split.
	MaxLeaves int
	// MinLeafRows is the fewest training rows a leaf may hold.
	MinLeafRows int
	// Bins is the most value bins per feature, 2..255; missing values (NaN) have a bin of their
	// own and learn their direction at every split.
	Bins int
	// NDCGAt is the k of NDCG@k, the metric the LambdaRank gradient optimises and early stopping
	// watches, 1..10000.
	NDCGAt int
	// EarlyStop stops training after this many rounds without a better validation NDCG; 0 never
	// stops early. Either way, with a validation set the model keeps the best round's trees.
	EarlyStop int
	// Workers is the number of goroutines; 0 means GOMAXPROCS. The model does not depend on it.
	Workers int
	// LearningRate is the shrinkage applied to every leaf value, (0, 1].
	LearningRate float64
	// RowSample is the fraction of query groups each tree is grown on, (0, 1].
	RowSample float64
	// FeatureSample is the fraction of features each tree may split on, (0, 1].
	FeatureSample float64
	// L2 is the penalty on leaf values, added to the hessian sum of every leaf, >= 0. A row's
	// LambdaRank hessian is small (at most a quarter of its pairs' NDCG changes), so 1 weighs
	// about as much as tens of rows: it tames leaves of few rows and hardly touches large ones.
	L2 float64
	// Seed fixes the row and feature samples; the same seed and data give the same model.
	Seed uint64
	// Objective is the loss; the zero value is LambdaRank. Whatever the loss, the learning
	// curve and early stopping use NDCG@NDCGAt over the query groups.
	Objective Objective
}

// DefaultParams returns parameters that suit a few hundred candidates per query and a few dozen
// features.
func DefaultParams() Params {
	return Params{
		Trees:         300,
		MaxDepth:      6,
		MaxLeaves:     31,
		MinLeafRows:   20,
		Bins:          255,
		NDCGAt:        10,
		EarlyStop:     30,
		LearningRate:  0.1,
		RowSample:     0.8,
		FeatureSample: 1,
		L2:            1,
		Seed:          1,
	}
}

// Validate reports the first field out of its range, naming it.
func (p Params) Validate() error {
	ints := []struct {
		name   string
		v      int
		lo, hi int
	}{
		{"Trees", p.Trees, 1, 100000},
		{"MaxDepth", p.MaxDepth, 1, maxTreeDepth},
		{"MaxLeaves", p.MaxLeaves, 2, 1 << maxTreeDepth},
		{"MinLeafRows", p.MinLeafRows, 1, math.MaxInt32},
		{"Bins", p.Bins, 2, 255},
		{"NDCGAt", p.NDCGAt, 1, 10000},
		{"EarlyStop", p.EarlyStop, 0, 100000},
		{"Workers", p.Workers, 0, 4096},
	}
	for _, c := range ints {
		if c.v < c.lo || c.v > c.hi {
			return fmt.Errorf("%w: Params.%s %d not in [%d, %d]", ErrInvalid, c.name, c.v, c.lo, c.hi)
		}
	}
	fracs := []struct {
		name string
		v    float64
	}{{"LearningRate", p.LearningRate}, {"RowSample", p.RowSample}, {"FeatureSample", p.FeatureSample}}
	for _, c := range fracs {
		if !(c.v > 0 && c.v <= 1) {
			return fmt.Errorf("%w: Params.%s %v not in (0, 1]", ErrInvalid, c.name, c.v)
		}
	}
	if p.Objective < LambdaRank || p.Objective > Logistic {
		return fmt.Errorf("%w: Params.Objective %d unknown", ErrInvalid, int(p.Objective))
	}
	if !(p.L2 >= 0 && p.L2 < math.Inf(1)) {
		return fmt.Errorf("%w: Params.L2 %v not a finite number >= 0", ErrInvalid, p.L2)
	}
	return nil
}

func (p Params) workers() int {
	if p.Workers > 0 {
		return p.Workers
	}
	return runtime.GOMAXPROCS(0)
}
