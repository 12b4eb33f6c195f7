package model

import "context"

// Recommender is a model trained on a Dataset that scores every item for a user.
// After Fit returns, Score is safe for concurrent use.
type Recommender interface {
	// Name is a short identifier such as "itemknn" or "als".
	Name() string
	// Fit trains on d. It is deterministic for a given configuration (including its seed).
	Fit(ctx context.Context, d *Dataset) error
	// Score writes a relevance score for every item of the training Dataset into dst
	// (len(dst) == d.NumItems()) for one user: u is the user's index in the Dataset, or -1
	// for a user it does not know; items and weights are the user's current history as
	// item indexes and event weights (which may be newer than the Dataset). Higher is better.
	Score(u int, items []int32, weights []float32, dst []float32)
}
