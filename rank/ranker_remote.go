package rank

import (
	"context"
	"time"
)

// RemoteRanker scores the learned ranker's feature rows outside the process
// (ranker.backend remote; package oip speaks the Open Inference Protocol). ScoreRows returns
// one score per row of X (row-major, len(names) columns), higher better. Implementations are
// safe for concurrent use.
type RemoteRanker interface {
	ScoreRows(ctx context.Context, names []string, X []float32, rows int) ([]float64, error)
}

// Values of Response.RankerFallback: the remote ranker failed (an error or its timeout) and
// the list was scored by the local ranker, or by the blend when the models hold none.
const (
	FallbackLocal = "local"
	FallbackBlend = "blend"
)

// Values of Response.Scorer.
const (
	ScorerRanker = "ranker"
	ScorerBlend  = "blend"
)

// DefaultRemoteTimeout is how long a request waits for the remote ranker (Options.RemoteTimeout 0).
const DefaultRemoteTimeout = 50 * time.Millisecond

// rankerFeatures is the feature set the request's rows are computed for: the local ranker's,
// else the pipeline's (a remote ranker's model must have been trained on it).
func (r *request) rankerFeatures() FeatureSet {
	if rk := r.p.M.Ranker; rk != nil {
		return rk.Features
	}
	return r.p.Features()
}

// modelScores scores the rows of X: by the remote ranker when there is one, within its
// timeout, else by the local ranker. When the remote ranker fails it falls back to the local
// one, or returns nil scores (the blend keeps its scores), and records the fallback in the
// response. local reports that the local model scored (its contributions explain the list).
// Only the request's own cancellation is an error.
func (r *request) modelScores(ctx context.Context, fs FeatureSet, X []float32, rows int) (out []float64, local bool, err error) {
	rk := r.p.M.Ranker
	if remote := r.p.Opts.Remote; remote != nil {
		timeout := r.p.Opts.RemoteTimeout
		if timeout <= 0 {
			timeout = DefaultRemoteTimeout
		}
		rctx, cancel := context.WithTimeout(ctx, timeout)
		out, err = remote.ScoreRows(rctx, fs.Names, X, rows)
		cancel()
		if err == nil && len(out) == rows {
			return out, false, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, false, err
		}
		r.resp.RankerFallback = FallbackBlend
		if rk == nil {
			r.resp.Scorer = ScorerBlend
			return nil, false, nil
		}
		r.resp.RankerFallback = FallbackLocal
	}
	out = make([]float64, rows)
	rk.Model.PredictRows(X, out)
	return out, true, nil
}
