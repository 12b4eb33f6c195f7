package rank

import (
	"context"
	"slices"
)

// loggedBlend scores by the hand-weighted blend, exactly as WeightedBlend does, and keeps the
// feature rows a ranker would have scored, for a list sampled for feature logging that the
// blend ranks (no ranker serves, or the request's variant turned it off): a ranker can then
// be trained on the clicks of lists the blend served. Safe for concurrent use.
type loggedBlend struct{}

// Score is scorePool with every item taken, best first.
func (s loggedBlend) Score(ctx context.Context, in *ScoreInput) ([]Candidate, error) {
	pool, err := s.scorePool(ctx, in)
	if err != nil {
		return nil, err
	}
	n := pool.len()
	return pool.take(make([]Candidate, 0, n), n), nil
}

// scorePool is the blend's pool, its scores untouched, kept for logFeatures, which computes
// the rows of the items returned (never for the explanations: local is false).
func (loggedBlend) scorePool(ctx context.Context, in *ScoreInput) (*blendPool, error) {
	pool, err := WeightedBlend{}.scorePool(ctx, in)
	if err != nil {
		return nil, err
	}
	in.req.ranker = &rankerRows{pool: pool, lazy: true}
	return pool, nil
}

// logFeatures copies the feature rows of the returned candidates into the response when the
// request asked for them and the ranker scored the list, or the blend did for a request of
// the ranker's kind (loggedBlend): at most n rows, each of the feature
// set's width, so what a logged list holds is bounded by the request's n.
func (r *request) logFeatures(ctx context.Context, cands []Candidate) error {
	if !r.req.LogFeatures || r.ranker == nil {
		return nil
	}
	fs := r.rankerFeatures()
	if r.ranker.lazy { // the blend's pool: the rows of the returned items, every one of them
		if err := r.ranker.compute(ctx, r, cands, fs); err != nil {
			return err
		}
	} else if err := r.ranker.fill(ctx, r, cands, fs); err != nil {
		return err
	}
	nf := len(fs.Names)
	f := &FeatureRows{Names: fs.Names, Rows: make([][]float32, len(cands))}
	for i := range cands {
		if row := r.ranker.of(cands[i].ID, nf); row != nil {
			f.Rows[i] = slices.Clone(row)
		} else {
			f.Rows[i] = []float32{}
		}
	}
	r.resp.Features = f
	return nil
}

// fill computes the rows of the candidates that have none: after the model scored, a cold
// item the cold-start policy placed (see placeCold), so that a logged list has every item's
// row and can train a ranker; call it after the explanations, which read the model's rows
// only. compute fills a lazy pool's rows with it.
func (rr *rankerRows) fill(ctx context.Context, r *request, cands []Candidate, fs FeatureSet) error {
	var sel []int32
	for _, c := range cands {
		if j, ok := rr.pool.pos[c.ID]; ok && rr.row[j] < 0 {
			rr.row[j] = int32(len(rr.X)/len(fs.Names) + len(sel))
			sel = append(sel, j)
		}
	}
	if len(sel) == 0 {
		return nil
	}
	X, err := r.p.features(ctx, r, rr.pool, sel, fs, nil)
	rr.X = append(rr.X, X...)
	return err
}

// compute fills a lazy pool's rows for the candidates (all in the pool).
func (rr *rankerRows) compute(ctx context.Context, r *request, cands []Candidate, fs FeatureSet) error {
	rr.row = make([]int32, len(rr.pool.ids))
	for j := range rr.row {
		rr.row[j] = -1
	}
	rr.X, rr.lazy = nil, false
	return rr.fill(ctx, r, cands, fs)
}
