package rank

import "context"

// Features returns the learned ranker's feature set of this pipeline (its configured item
// attributes): a Ranker serves it only when trained on the same set.
func (p *Pipeline) Features() FeatureSet { return NewFeatureSet(p.Opts.RankerAttributes) }

// RankerExamples are one request's candidates as the learned ranker sees them: ids, the
// blend's scores and the feature rows (row-major, len(Features().Names) columns).
type RankerExamples struct {
	IDs   []string
	Blend []float64
	X     []float32
}

// RankerCandidates runs the request's sources and the blend and returns the candidates a
// learned ranker would score, with their features: exactly the rows the learned scorer
// computes when it serves the same request on this pipeline. Training makes its examples
// here, so what it learns from is what serving shows it.
func (p *Pipeline) RankerCandidates(ctx context.Context, req Request) (*RankerExamples, error) {
	r := p.newRequest(&req)
	defer r.release()
	if err := (sourcesStage{}).run(ctx, r); err != nil {
		return nil, err
	}
	cands, err := WeightedBlend{}.Score(ctx, r.scoreInput())
	if err != nil {
		return nil, err
	}
	n := rankedByRanker(cands)
	ex := &RankerExamples{IDs: make([]string, n), Blend: make([]float64, n)}
	for j, c := range cands[:n] {
		ex.IDs[j], ex.Blend[j] = c.ID, c.Score
	}
	if ex.X, err = p.features(ctx, r, cands[:n], p.Features(), nil); err != nil {
		return nil, err
	}
	return ex, nil
}
