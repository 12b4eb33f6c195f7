package rank

import "context"

// Scorer combines a request's candidate source lists into one scored candidate per item,
// sorted best first (ties by id), with each proposing source's normalised score in
// Candidate.Sources and its reason in Candidate.Reasons. It scores the whole pool in one
// call. WeightedBlend is the pipeline's Scorer; learnedScorer replaces it for the requests
// a learned ranker serves (scoreStage).
type Scorer interface {
	Score(ctx context.Context, in *ScoreInput) ([]Candidate, error)
}

// ScoreInput is what a Scorer scores: one request's source lists and how to weigh them.
type ScoreInput struct {
	// Pipeline is the request's pipeline: its models, catalog and options.
	Pipeline *Pipeline
	Lists    []SourceList
	// Weights are the source weights after the cold-start policy; a source they do not name
	// weighs 1.
	Weights map[string]float64
	// Normalisation maps each list's scores onto [0, 1].
	Normalisation Normalisation
	// ColdItems turns on the item side of the cold-start policy (see coldItems).
	ColdItems bool
	cold      *[]coldItem // the cold items of the cached sources, when they serve
	req       *request    // the request, whose history and lists the learned scorer reads
}

// poolScorer is a Scorer that can also score lazily: every item's score, but a Candidate
// only for the items taken from the top of the pool. The head shortcut (headOf) needs it;
// a Scorer without it always runs the full path.
type poolScorer interface {
	Scorer
	scorePool(ctx context.Context, in *ScoreInput) (*blendPool, error)
}

// WeightedBlend is the weighted blend of the source scores (Blend) plus the cold-item lean
// (coldItems). It is stateless and safe for concurrent use.
type WeightedBlend struct{}

var _ poolScorer = WeightedBlend{}

// Score blends the lists and leans cold items on their content score.
func (WeightedBlend) Score(_ context.Context, in *ScoreInput) ([]Candidate, error) {
	cands, err := Blend(in.Lists, in.blendOptions())
	if err != nil {
		return nil, err
	}
	if in.ColdItems {
		coldItems(cands, in.coldBoosts())
	}
	return cands, nil
}

// scorePool is Score computed lazily (see blendPool): the same scores, bit for bit.
func (WeightedBlend) scorePool(_ context.Context, in *ScoreInput) (*blendPool, error) {
	pool, _, err := blendPoolOf(in)
	return pool, err
}

// blendPoolOf is WeightedBlend's pool and the cold items' boosts it added.
func blendPoolOf(in *ScoreInput) (*blendPool, []coldBoost, error) {
	pool, err := newBlendPool(in.Lists, in.blendOptions())
	if err != nil {
		return nil, nil, err
	}
	var boosts []coldBoost
	if in.ColdItems {
		boosts = in.coldBoosts()
		for _, b := range boosts {
			pool.add(b.id, b.boost)
		}
	}
	return pool, boosts, nil
}

func (in *ScoreInput) blendOptions() BlendOptions {
	return BlendOptions{Weights: in.Weights, DefaultWeight: 1, Normalisation: in.Normalisation}
}

// scoreStage runs the Scorer over the sources' lists: the learned ranker when the models
// hold one and the request suits it (usesRanker), else its own. For a plain request (plainRequest)
// whose Scorer can score lazily it takes the head shortcut instead (scorer_head.go), which also
// filters and session-boosts the head it takes; the filter and session stages then skip.
type scoreStage struct{ scorer Scorer }

func (s scoreStage) run(ctx context.Context, r *request) error {
	in := r.scoreInput()
	scorer := s.scorer
	r.resp.Scorer = ScorerBlend
	if r.usesRanker() {
		scorer, r.resp.Scorer = learnedScorer{}, ScorerRanker
	} else if r.req.LogFeatures && r.rankerKind() {
		scorer = loggedBlend{}
	}
	if ps, ok := scorer.(poolScorer); ok && r.plainRequest(ctx) {
		pool, err := ps.scorePool(ctx, in)
		r.pool = pool
		if err != nil {
			return err
		}
		r.cands, err = r.headOf(ctx, pool)
		r.head = true
		r.p.headRuns.Add(1)
		return err
	}
	var err error
	r.cands, err = scorer.Score(ctx, in)
	return err
}

// scoreInput is what the request's Scorer scores.
func (r *request) scoreInput() *ScoreInput {
	return &ScoreInput{Pipeline: r.p, Lists: r.lists, Weights: r.weights, Normalisation: r.normalisation(),
		ColdItems: r.coldItems(), cold: r.cold, req: r}
}
