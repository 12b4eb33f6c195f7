package rank

import (
	"context"
	"slices"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
)

// Request is one recommendation request, already validated.
type Request struct {
	History      []Interaction // the user's aggregated history (empty for anonymous requests)
	Recent       []string      // the newest actions of the user or session, newest first
	ContextItems []string      // items the client names as the current context
	N            int
	Rules        Rules
	IncludeSeen  bool // do not drop items in History
	// Per-request knobs; nil takes the pipeline's default.
	Diversity, Calibration, LongTailShare, SessionWeight, ExposureStrength *float64
	Weights                                                                map[string]float64
	// Rotation is the per-request rotation (nil: Options.Rotation); Shown is what the rotation
	// stage demotes: the items shown to the user without an interaction since, each with its
	// count decayed by the caller (see Rotate). Either empty leaves the list as it is.
	Rotation *float64
	Shown    map[string]float64
	// Extra are candidate sources the caller computed (a query's text search); Keep, when set,
	// is a hard filter every returned item passes.
	Extra []SourceList
	Keep  func(id string) bool
	// Depth, when above N, is how many candidates each source gives at least: a later page
	// of a list, which Keep cuts the earlier pages' items from, asks for those items plus N
	// so that it is scored over the candidates its first page was.
	Depth int
	// SourceCache and SourceKey, when both are set, let a plain request (no context items,
	// extra sources, weights or category and attribute filters) reuse the model-dependent
	// sources computed for the key's earlier requests (see SourceCache). SourceKey names
	// the user whose History this is.
	SourceCache *SourceCache
	SourceKey   string
	// LogFeatures asks for the learned ranker's feature rows of the returned items in
	// Response.Features (the caller's sample for feature logging).
	LogFeatures bool
	// NoRecord leaves the list's items out of the exposure counter: the list is not shown as
	// it is (one of an interleaved request's two rankings, or a preview), and the caller
	// records what it does show.
	NoRecord bool
	// BlendOnly scores this request by the hand-weighted blend even when the models hold a
	// learned ranker (an experiment variant that turns the ranker off).
	BlendOnly bool
}

// Response is a ranked list with the strategy that produced it.
type Response struct {
	Items        []recd.Recommendation `json:"items"`
	Strategy     string                `json:"strategy"`
	ModelVersion string                `json:"model_version"`
	// RecommendationID names this serving of the list (set by the service per response,
	// never cached): events cite it to attribute themselves to the list.
	RecommendationID string `json:"recommendation_id,omitempty"`
	// Experiment and Variant name the running experiment the list was served under and the
	// variant the request was assigned ("interleaved" under an interleaving design); set by
	// the service, never cached.
	Experiment string `json:"experiment,omitempty"`
	Variant    string `json:"variant,omitempty"`
	// RankerFallback is set when the remote ranker (ranker.backend remote) failed or timed
	// out for this list: "local" when the local ranker scored it instead, "blend" when the
	// hand-weighted blend did.
	RankerFallback string `json:"ranker_fallback,omitempty"`
	// Scorer names what ordered the candidates: ScorerRanker (the learned ranker, local or
	// remote) or ScorerBlend (the hand-weighted blend). Empty when no scoring stage ran.
	Scorer string `json:"scorer,omitempty"`
	// ModelFallback is set, by the service, when the list's experiment variant pins a model
	// version that is not served (still loading, or pruned): it says why, and ModelVersion
	// names the current version that served instead. Never cached.
	ModelFallback string `json:"model_fallback,omitempty"`
	// Features are the learned ranker's feature rows of Items, when the request asked for
	// them (Request.LogFeatures) and the list is of the kind a ranker ranks, whether the
	// ranker or the blend scored it; never sent to clients.
	Features *FeatureRows `json:"-"`
	// HistoryCut is how many of the user's liked items the history sources did not read, the
	// history being longer than Options.SourceHistory; never sent to clients.
	HistoryCut int `json:"-"`
}

// FeatureRows are a served list's feature rows: the names in column order, and Rows[k] the
// row of item k (empty when the ranker did not score it).
type FeatureRows struct {
	Names []string
	Rows  [][]float32
}

// request is one Recommend call as it flows through the stages: what the set-up decided
// (strategy, knobs, source depth, exclusions) and what each stage hands the next (the
// sources' lists, then the candidates). It belongs to the goroutine running Recommend and
// is never shared; release gives its pooled buffers back.
type request struct {
	p    *Pipeline
	req  *Request
	resp Response
	// rules are the request's rules, plus availability and the items the user has seen.
	rules Rules
	// rest are the rules left for Rules.Apply once admit has checked exclusion and
	// availability, without boosts (the filter stage applies those last).
	rest   Rules
	recent []string      // the newest SessionN recent items
	pos    []Interaction // liked items, newest first, then the context items
	src    []Interaction // what the history sources read: pos with the history cut at Options.SourceHistory
	// srcItems and srcWeights are src by item index (indexedSrc), once srcDone.
	srcItems   []int32
	srcWeights []float32
	srcDone    bool
	weights    map[string]float64 // source weights: options, request, cold-start policy
	// The re-ranking knobs: the request's, or the pipeline's defaults.
	diversity, calibration, sessionW, tailShare, exposure, rotation float64
	session                                                         bool            // the session source is on
	k                                                               int             // each source's depth
	cfk                                                             int             // the CF source's depth (see Options.RankedCFK)
	filter                                                          index.Filter    // the rules an index search applies itself
	excl                                                            exclusion       // rules.Exclude inside the model, by item index
	outside                                                         map[string]bool // rules.Exclude outside the model

	lists []SourceList // the candidate sources (sourcesStage)
	cold  *[]coldItem  // the cold items of the cached sources, when they serve
	cands []Candidate  // the candidates (scoreStage on)
	// head: the head shortcut (headOf) scored, filtered and session-boosted cands.
	head    bool
	sim     Similarity // content similarity of cands and recent; see similarity
	simDone bool
	ranker  *rankerRows // the learned scorer's feature rows, for the explanations; nil: blend
	pool    *blendPool  // the scored pool of a plain request, released with the request
}

// newRequest sets a request up: the rules with the seen items excluded, the liked items,
// the weights and knobs, the source depth, the exclusion marks and the strategy.
func (p *Pipeline) newRequest(req *Request) *request {
	r := &request{p: p, req: req, resp: Response{ModelVersion: p.M.Version, Items: []recd.Recommendation{}}}
	r.rules = req.Rules
	r.rules.AvailableOnly = true
	r.recent = req.Recent
	if len(r.recent) > p.Opts.SessionN {
		r.recent = r.recent[:p.Opts.SessionN]
	}
	if !req.IncludeSeen {
		for _, h := range req.History {
			r.rules.Exclude = append(r.rules.Exclude, h.ItemID)
		}
		r.rules.Exclude = append(r.rules.Exclude, req.ContextItems...)
		if len(req.History) == 0 { // an anonymous session has seen what it clicked
			r.rules.Exclude = append(r.rules.Exclude, r.recent...)
		}
	}
	r.rest = r.rules
	r.rest.Exclude, r.rest.AvailableOnly, r.rest.Boosts = nil, false, nil
	r.pos = positives(req.History)
	var src []Interaction // the newest SourceHistory liked items, when the history has more
	if n := p.Opts.SourceHistory; n > 0 && len(r.pos) > n {
		src = slices.Clip(r.pos[:n])
	}
	for _, id := range req.ContextItems {
		r.pos = append(r.pos, Interaction{ItemID: id, Weight: 1})
		if src != nil {
			src = append(src, Interaction{ItemID: id, Weight: 1})
		}
	}
	r.src = r.pos
	if src != nil {
		r.src = src
		r.resp.HistoryCut = len(r.pos) - len(src)
	}
	r.weights = make(map[string]float64, len(p.Opts.Weights))
	for k, v := range p.Opts.Weights {
		r.weights[k] = v
	}
	for k, v := range req.Weights {
		r.weights[k] = v
	}
	r.diversity = pick(req.Diversity, p.Opts.Diversity)
	r.calibration = pick(req.Calibration, p.Opts.Calibration)
	r.sessionW = pick(req.SessionWeight, p.Opts.SessionWeight)
	r.tailShare = pick(req.LongTailShare, p.Opts.LongTailShare)
	r.exposure = pick(req.ExposureStrength, p.Opts.ExposureStrength)
	r.rotation = pick(req.Rotation, p.Opts.Rotation)
	r.session = r.sessionW > 0 && len(r.recent) > 0 && r.on("session")
	r.k = max(p.Opts.SourceK, req.N, req.Depth)
	if r.reranks() {
		r.k = max(r.k, p.Opts.RerankSourceK)
	}
	r.cfk = r.k
	if p.Opts.RankedCFK > 0 && r.rankerExpected() {
		r.cfk = min(r.k, max(p.Opts.RankedCFK, req.N, req.Depth))
	}
	r.filter = r.rules.IndexFilter()
	if len(r.filter.Deny) > 0 {
		// The CF and content searches deny the same history, one after the other.
		r.filter.Memo = new(index.FilterMemo)
	}
	r.excl, r.outside = p.exclusion(r.rules.Exclude) // built once for every source that scores the whole catalog
	r.chooseStrategy()
	return r
}

// reranks reports whether a re-ranking stage that needs a wider choice of candidates is on.
func (r *request) reranks() bool {
	return r.diversity > 0 || r.calibration > 0 || r.tailShare > 0 || r.exposure > 0 || (r.sessionW > 0 && len(r.recent) > 0) ||
		r.rotates()
}

// on reports whether the source name is computed: a source weighted 0 is not computed at
// all; one the weights do not name has the blend's default weight 1 (so does "session").
func (r *request) on(name string) bool {
	w, ok := r.weights[name]
	return !ok || w > 0
}

// release gives the request's pooled buffers back to the pipeline.
func (r *request) release() {
	r.p.release(r.excl)
	r.pool.release()
	r.pool, r.ranker = nil, nil
}

// similarity returns the content similarity of the candidates and the recent items (see
// Pipeline.similarity), computed on first use: the session boost and MMR share it.
func (r *request) similarity(ctx context.Context) Similarity {
	if !r.simDone {
		r.sim, _ = r.p.similarity(ctx, r.cands, r.recent)
		r.simDone = true
	}
	return r.sim
}
