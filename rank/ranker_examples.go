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
	pool, err := WeightedBlend{}.scorePool(ctx, r.scoreInput())
	if err != nil {
		return nil, err
	}
	sel := rankedByRanker(pool)
	ex := &RankerExamples{IDs: make([]string, len(sel)), Blend: make([]float64, len(sel))}
	for k, j := range sel {
		ex.IDs[k], ex.Blend[k] = pool.ids[j], pool.score[j]
	}
	if ex.X, err = p.features(ctx, r, pool, sel, p.Features(), nil); err != nil {
		return nil, err
	}
	return ex, nil
}
