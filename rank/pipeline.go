package rank

import (
	"context"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2/simplelru"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
	"github.com/recd/recd/model"
)

// Vector space names the pipeline reads.
const (
	SpaceCF            = "cf"
	SpaceContent       = "content"
	SpaceContentSparse = "content_sparse"
)

// Strategies reported in Response.Strategy: the cold-start policy's choice for the request.
const (
	StrategyPopularity = "popularity"        // no history: Bayesian-average popularity
	StrategyBootstrap  = "content_bootstrap" // a few events: content profile blended with item-kNN
	StrategyHybrid     = "hybrid"            // warm user: item-kNN, CF and content blended
	StrategySession    = "session"           // anonymous: from the request's context items alone
	StrategyQuery      = "query"             // a natural-language request's sources and filters
)

// ItemMeta is what the pipeline needs to know about a catalog item.
type ItemMeta struct {
	Title      string
	Categories []string
	Tags       []string
	Available  bool
	Attributes map[string]any
}

// Catalog looks up item metadata. Implementations are safe for concurrent use.
type Catalog interface {
	Item(id string) (ItemMeta, bool)
}

// Models is one trained, immutable model snapshot the pipeline reads.
type Models struct {
	Version   string
	Items     []string         // item index -> id
	ItemIndex map[string]int32 // id -> item index
	Pop       *model.Popularity
	KNN       *model.ItemKNN
	ALS       *model.ALS  // nil when not trained
	EASE      *model.EASE // nil when not trained (a catalog too large to invert)
	Tail      *TailSet    // long-tail items; nil: none marked
	Counts    []int32     // interactions per item index
}

// Interaction is one item of a user's aggregated history.
type Interaction struct {
	ItemID string
	Weight float64 // summed event weights; <= 0 means the user did not like it
	Last   time.Time
}

// Options are the pipeline's defaults; requests override the per-request knobs.
type Options struct {
	// SourceK bounds each candidate source of a plain request; RerankSourceK replaces it when
	// a re-ranking stage (diversity, calibration, long-tail share, session or exposure boost)
	// is on and needs a wider choice. Pool bounds the blended candidates those stages choose
	// from.
	SourceK int `json:"source_k" yaml:"source_k"`
	// Normalisation maps each source's scores onto [0, 1] before the blend: minmax
	// (default), max or rank.
	Normalisation Normalisation `json:"normalisation" yaml:"normalisation"`
	RerankSourceK int           `json:"rerank_source_k" yaml:"rerank_source_k"`
	Pool          int           `json:"pool" yaml:"pool"`
	// Weights of the candidate sources in the blend (itemknn, cf, content, popular, session).
	Weights map[string]float64 `json:"weights" yaml:"weights"`
	// FewEvents: users with fewer positive items than this get the content bootstrap.
	FewEvents int `json:"few_events" yaml:"few_events"`
	// ItemWarmEvents: items with fewer interactions lean on their content score, the more the
	// colder they are; ColdItemBoost is the most that lean adds (for an item with no events and
	// a perfect content match, on the blend's [0, 1] scale).
	ItemWarmEvents int     `json:"item_warm_events" yaml:"item_warm_events"`
	ColdItemBoost  float64 `json:"cold_item_boost" yaml:"cold_item_boost"`
	ColdItemSlots  int     `json:"cold_item_slots" yaml:"cold_item_slots"`
	// ProfileItems is how many of the newest positive history items build the content profile.
	ProfileItems int `json:"profile_items" yaml:"profile_items"`
	// SessionN and SessionWeight are the session boost's defaults.
	SessionN      int     `json:"session_n" yaml:"session_n"`
	SessionWeight float64 `json:"session_weight" yaml:"session_weight"`
	// Diversity, Calibration and LongTailShare are the defaults of the re-ranking stages
	// (0 turns a stage off); CalibrationHalfLife weighs history recency for calibration.
	Diversity           float64       `json:"diversity" yaml:"diversity"`
	Calibration         float64       `json:"calibration" yaml:"calibration"`
	LongTailShare       float64       `json:"long_tail_share" yaml:"long_tail_share"`
	CalibrationHalfLife time.Duration `json:"calibration_half_life" yaml:"calibration_half_life"`
	// ExposureStrength is the default amortised exposure boost (0: off).
	ExposureStrength float64 `json:"exposure_strength" yaml:"exposure_strength"`
	// RerankPool is how many of the best candidates MMR and calibration choose from (0: the
	// whole Pool); the rest stay behind for the long-tail share.
	RerankPool int `json:"rerank_pool" yaml:"rerank_pool"`
	// DiversityRelevance and CalibrationRelevance put candidate scores on the [0, 1] scale
	// of the similarity and KL terms (minmax or rank, see RelevanceScale) for MMR and for
	// calibration alone; with both on, MMR's scale is used. The defaults (minmax for MMR,
	// rank for calibration) give each the better NDCG at equal ILD or KL on MovieLens, and
	// minmax the better NDCG with both on (docs/evaluation.md).
	DiversityRelevance   RelevanceScale `json:"diversity_relevance" yaml:"diversity_relevance"`
	CalibrationRelevance RelevanceScale `json:"calibration_relevance" yaml:"calibration_relevance"`
	// DiversityCategoryWeight in [0, 1] is the share of category overlap (CategorySimilarity)
	// in the similarity MMR diversifies by; the rest is the cosine of content vectors. Lists
	// are judged "all the same kind" by their categories first, which vectors blur.
	DiversityCategoryWeight float64 `json:"diversity_category_weight" yaml:"diversity_category_weight"`
	// DiversityCFWeight in [0, 1] is the share of the cosine of the items' CF vectors (the
	// ALS factors: "liked by the same people") in that similarity; category and CF weights
	// add up to at most 1 and the content cosine takes what is left.
	DiversityCFWeight float64 `json:"diversity_cf_weight" yaml:"diversity_cf_weight"`
}

// DefaultOptions returns the defaults.
func DefaultOptions() Options {
	return Options{SourceK: 200, RerankSourceK: 200, Pool: 1000, FewEvents: 5, ItemWarmEvents: 3, ColdItemBoost: 1, ColdItemSlots: 1, ProfileItems: 50,
		SessionN: DefaultSessionN, SessionWeight: DefaultSessionWeight, CalibrationHalfLife: 90 * 24 * time.Hour,
		RerankPool: 200, DiversityRelevance: RelevanceMinMax, CalibrationRelevance: RelevanceRank, DiversityCategoryWeight: 0.75,
		Weights: map[string]float64{"itemknn": 0.3, "ease": 2, "cf": 0.5, "content": 0.1, "popular": 0.02, "session": 1}}
}

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
	// Extra are candidate sources the caller computed (a query's text search); Keep, when set,
	// is a hard filter every returned item passes.
	Extra []SourceList
	Keep  func(id string) bool
	// SourceCache and SourceKey, when both are set, let a plain request (no context items,
	// extra sources, weights or category and attribute filters) reuse the model-dependent
	// sources computed for the key's earlier requests (see SourceCache). SourceKey names
	// the user whose History this is.
	SourceCache *SourceCache
	SourceKey   string
}

// Response is a ranked list with the strategy that produced it.
type Response struct {
	Items        []recd.Recommendation `json:"items"`
	Strategy     string                `json:"strategy"`
	ModelVersion string                `json:"model_version"`
}

// Pipeline ranks items for requests against one Models snapshot, the live catalog and the
// vector index. Safe for concurrent use.
type Pipeline struct {
	M        *Models
	Catalog  Catalog
	Index    index.Index // nil turns the vector sources off
	Exposure *Exposure   // nil turns the amortised exposure mode off
	Opts     Options
	info     catalogInfo
	scratch  sync.Pool                   // []float32 of len(M.Items)
	sparse   sync.Pool                   // []float32 of len(M.Items), all 0
	marks    sync.Pool                   // []bool of len(M.Items), all false
	ranks    sync.Pool                   // []int32 of len(M.Items), all 0
	vecs     atomic.Pointer[contentVecs] // nil until first needed; see ContentChanged
	vecsMu   sync.Mutex                  // serialises building vecs
	vecsGen  atomic.Uint64               // bumped by ContentChanged
	nbMu     sync.Mutex                  // guards nb
	nb       *lru.LRU[string, contentNb] // items' content neighbours (contentNeighbours); nil until first needed
	cfOnce   sync.Once                   // builds cfUnit
	cfUnit   model.Factors               // unit-length ALS item factors; Rows 0 without ALS
	noHead   bool                        // tests: rank every request the long way
}

// NewPipeline returns a pipeline over m.
func NewPipeline(m *Models, c Catalog, idx index.Index, exp *Exposure, opts Options) *Pipeline {
	p := &Pipeline{M: m, Catalog: c, Index: idx, Exposure: exp, Opts: opts, info: catalogInfo{c}}
	n := len(m.Items)
	p.scratch.New = func() any { s := make([]float32, n); return &s }
	p.sparse.New = func() any { s := make([]float32, n); return &s }
	p.marks.New = func() any { s := make([]bool, n); return &s }
	p.ranks.New = func() any { s := make([]int32, n); return &s }
	return p
}

// catalogInfo adapts a Catalog to the stages' ItemInfo and Availability.
type catalogInfo struct{ c Catalog }

func (ci catalogInfo) Categories(id string) []string {
	m, _ := ci.c.Item(id)
	return m.Categories
}

func (ci catalogInfo) Attribute(id, name string) (any, bool) {
	m, ok := ci.c.Item(id)
	if !ok {
		return nil, false
	}
	v, ok := m.Attributes[name]
	return v, ok
}

func (ci catalogInfo) Available(id string) bool {
	m, ok := ci.c.Item(id)
	return ok && m.Available
}

func pick(v *float64, def float64) float64 {
	if v != nil {
		return *v
	}
	return def
}

// Recommend runs the whole pipeline: candidate sources chosen by the cold-start policy,
// blend, business rules, session boost, exposure boost, MMR and calibration, long-tail
// share, explanations.
func (p *Pipeline) Recommend(ctx context.Context, req Request) (Response, error) {
	resp := Response{ModelVersion: p.M.Version, Items: []recd.Recommendation{}}
	rules := req.Rules
	rules.AvailableOnly = true
	recent := req.Recent
	if len(recent) > p.Opts.SessionN {
		recent = recent[:p.Opts.SessionN]
	}
	if !req.IncludeSeen {
		for _, h := range req.History {
			rules.Exclude = append(rules.Exclude, h.ItemID)
		}
		rules.Exclude = append(rules.Exclude, req.ContextItems...)
		if len(req.History) == 0 { // an anonymous session has seen what it clicked
			rules.Exclude = append(rules.Exclude, recent...)
		}
	}
	pos := positives(req.History)
	for _, id := range req.ContextItems {
		pos = append(pos, Interaction{ItemID: id, Weight: 1})
	}
	weights := make(map[string]float64, len(p.Opts.Weights))
	for k, v := range p.Opts.Weights {
		weights[k] = v
	}
	for k, v := range req.Weights {
		weights[k] = v
	}
	diversity := pick(req.Diversity, p.Opts.Diversity)
	calibration := pick(req.Calibration, p.Opts.Calibration)
	sessionW := pick(req.SessionWeight, p.Opts.SessionWeight)
	tailShare := pick(req.LongTailShare, p.Opts.LongTailShare)
	exposure := pick(req.ExposureStrength, p.Opts.ExposureStrength)
	// A source weighted 0 is not computed at all; one the weights do not name has the
	// blend's default weight 1 (so does "session").
	on := func(name string) bool { w, ok := weights[name]; return !ok || w > 0 }
	session := sessionW > 0 && len(recent) > 0 && on("session")
	k := max(p.Opts.SourceK, req.N)
	if diversity > 0 || calibration > 0 || tailShare > 0 || exposure > 0 || (sessionW > 0 && len(recent) > 0) {
		k = max(k, p.Opts.RerankSourceK)
	}
	var lists []SourceList
	var cold *[]coldItem // the cold items of the cached sources, when they serve
	filter := rules.IndexFilter()
	excl, outside := p.exclusion(rules.Exclude) // built once for every source that scores the whole catalog
	defer p.release(excl)
	switch {
	case len(pos) == 0 && session:
		// An anonymous session without context items: its clicks are the context (the
		// session source below), popularity fills in.
		resp.Strategy = StrategySession
		lists = append(lists, p.popularSource(k, rules, excl))
	case len(pos) == 0:
		resp.Strategy = StrategyPopularity
		lists = append(lists, p.popularSource(max(k, p.Opts.RerankSourceK), rules, excl))
		if len(req.Extra) > 0 {
			resp.Strategy = StrategyQuery
		}
	default:
		resp.Strategy = StrategyHybrid
		if len(req.History) == 0 {
			resp.Strategy = StrategySession
		} else if len(pos) < p.Opts.FewEvents {
			resp.Strategy = StrategyBootstrap
			// Few events: lean on the content profile, less with every event, as item-kNN
			// neighbours become reliable.
			weights["content"] = max(weights["content"], 1.5*(1-float64(len(pos))/float64(p.Opts.FewEvents)))
		}
		if on("itemknn") {
			lists = append(lists, p.knnSource(pos, excl, k))
		}
		// The other sources depend on the model more than on the newest event: a plain
		// request of a known user reuses them (see SourceCache).
		if req.SourceCache != nil && req.SourceKey != "" && len(req.History) > 0 && len(req.ContextItems) == 0 &&
			len(req.Extra) == 0 && req.Weights == nil && len(rules.Categories) == 0 && len(rules.ExcludeCategories) == 0 &&
			len(rules.Filters) == 0 {
			cached, coldCached := p.cachedSources(ctx, req.SourceCache, req.SourceKey, resp.Strategy, pos, rules, &filter, excl, k, on)
			lists, cold = append(lists, cached...), &coldCached
			break
		}
		if on("ease") {
			lists = append(lists, p.easeSource(pos, excl, k))
		}
		if on("popular") {
			lists = append(lists, p.popularSource(k, rules, excl))
		}
		if on("cf") {
			if l, ok := p.cfSource(ctx, pos, &filter, excl, k); ok {
				lists = append(lists, l)
			}
		}
		if on("content") {
			if l, ok := p.contentSource(ctx, pos, &filter, k); ok {
				lists = append(lists, l)
			}
		}
	}
	if session && (len(req.History) > 0 || len(pos) == 0) {
		// The session proposes enough to fill a list, not a source's whole depth: the
		// history's sources hold the rest.
		lists = append(lists, p.sessionSource(ctx, recent, excl, min(k, max(5*req.N, 50)))...)
	}
	lists = append(lists, req.Extra...)
	if len(req.Extra) > 0 && resp.Strategy != StrategyQuery {
		resp.Strategy = StrategyQuery + "+" + resp.Strategy
	}
	norm := p.Opts.Normalisation
	if norm == "" {
		norm = MinMax
	}
	if resp.Strategy == StrategyPopularity {
		norm = Rank // exactly the popular order
	}
	bo := BlendOptions{Weights: weights, DefaultWeight: 1, Normalisation: norm}
	var sim Similarity
	var cands []Candidate
	var err error
	if p.plainRequest(ctx, &req, &rules, recent, sessionW, diversity, calibration, tailShare, exposure) {
		// Only the head of the pool can reach the response: blend lazily (see headOf).
		pool, err := newBlendPool(lists, bo)
		if err != nil {
			return resp, err
		}
		if resp.Strategy != StrategyPopularity && resp.Strategy != StrategyQuery {
			var boosts []coldBoost
			if cold != nil { // the cold items of cached lists
				boosts = p.coldTop(*cold, weights)
			} else {
				boosts = p.coldBoosts(weights, lists, norm)
			}
			for _, b := range boosts {
				pool.add(b.id, b.boost)
			}
		}
		if cands, err = p.headOf(ctx, pool, rules, excl, outside, recent, sessionW, req.N); err != nil {
			return resp, err
		}
		goto rerank
	}
	if cands, err = Blend(lists, bo); err != nil {
		return resp, err
	}
	Annotate(cands, p.info, p.M.Tail)
	if resp.Strategy != StrategyPopularity && resp.Strategy != StrategyQuery {
		p.coldItems(cands, weights, lists, norm)
	}
	if cands, err = rules.Apply(cands, p.info); err != nil {
		return resp, err
	}
	if req.Keep != nil {
		kept := cands[:0]
		for _, c := range cands {
			if req.Keep(c.ID) {
				kept = append(kept, c)
			}
		}
		cands = kept
	}
	if len(cands) > p.Opts.Pool {
		cands = cands[:p.Opts.Pool]
	}
	if (diversity > 0 || (sessionW > 0 && len(recent) > 0)) && len(cands) > 0 {
		sim, _ = p.similarity(ctx, cands, recent)
	}
	if sim != nil && sessionW > 0 && len(recent) > 0 {
		if err := SessionBoost(cands, recent, sim, sessionW); err != nil {
			return resp, err
		}
	}
	if exposure > 0 && p.Exposure != nil {
		if err := ExposureBoost(cands, p.Exposure, exposure); err != nil {
			return resp, err
		}
	}
rerank:
	ro := RerankOptions{Diversity: diversity, Sim: sim, Calibration: calibration, Pool: p.Opts.RerankPool,
		Relevance: p.Opts.DiversityRelevance}
	if diversity > 0 {
		pool := cands
		if ro.Pool > 0 {
			pool = cands[:min(len(cands), max(ro.Pool, req.N))]
		}
		ro.Sim = p.diversitySimilarity(pool, sim)
	}
	if calibration > 0 {
		ro.Target = p.target(req.History, req.ContextItems)
	}
	if ro.Sim == nil {
		ro.Diversity = 0
	}
	if ro.Diversity == 0 {
		ro.Relevance = p.Opts.CalibrationRelevance
	}
	if err := Rerank(cands, req.N, ro); err != nil {
		return resp, err
	}
	if tailShare > 0 {
		if err := LongTailShare(cands, req.N, tailShare); err != nil {
			return resp, err
		}
	}
	if len(cands) > req.N {
		cands = cands[:req.N]
	}
	Explain(cands, p.title)
	for _, c := range cands {
		resp.Items = append(resp.Items, recd.Recommendation{ID: c.ID, Score: c.Score, Title: p.title(c.ID), Reasons: ownReasons(c.Reasons)})
	}
	if p.Exposure != nil && len(cands) > 0 {
		ids := make([]string, len(cands))
		for i, c := range cands {
			ids[i] = c.ID
		}
		p.Exposure.Record(ids)
	}
	return resp, nil
}

func (p *Pipeline) title(id string) string {
	m, _ := p.Catalog.Item(id)
	return m.Title
}

// positives returns the liked items of a history, newest first.
func positives(h []Interaction) []Interaction {
	out := make([]Interaction, 0, len(h))
	for _, x := range h {
		if x.Weight > 0 {
			out = append(out, x)
		}
	}
	sort.Slice(out, func(a, b int) bool {
		if !out[a].Last.Equal(out[b].Last) {
			return out[a].Last.After(out[b].Last)
		}
		return out[a].ItemID < out[b].ItemID
	})
	return out
}

// coldItems applies the item side of the cold-start policy: an item with fewer interactions
// than ItemWarmEvents has little CF evidence, so its content score takes over part of the CF
// share of the blend: score += ColdItemBoost * (1 - n/warm)^2 * cfShare * content. Only the
// ColdItemSlots best-matching cold items get the lean, so new items reach the users whose
// history matches them without crowding out what those users are known to like. It moves
// each boosted candidate up to its place in the sorted pool.
func (p *Pipeline) coldItems(cands []Candidate, weights map[string]float64, lists []SourceList, norm Normalisation) {
	for _, b := range p.coldBoosts(weights, lists, norm) {
		i := slices.IndexFunc(cands, func(c Candidate) bool { return c.ID == b.id })
		if i < 0 {
			continue
		}
		cands[i].Score += b.boost
		c := cands[i]
		j := i
		for j > 0 && (cands[j-1].Score < c.Score || cands[j-1].Score == c.Score && cands[j-1].ID > c.ID) {
			j--
		}
		copy(cands[j+1:i+1], cands[j:i])
		cands[j] = c
	}
}

type coldBoost struct {
	id    string
	boost float64
}

// coldItem is a cold item proposed by a content source: ColdItemBoost * (1 - n/warm)^2 and
// its normalised content score.
type coldItem struct {
	id            string
	lean, content float64
}

// coldBoosts returns the cold items' boosts (see coldItems), best first.
func (p *Pipeline) coldBoosts(weights map[string]float64, lists []SourceList, norm Normalisation) []coldBoost {
	return p.coldTop(p.coldItemsOf(lists, norm), weights)
}

// coldItemsOf returns the cold items of the content sources' lists, with their content
// scores normalised as Blend normalises them, so that the cold-start policy costs nothing
// per candidate. It depends on the lists only, so cached lists can keep it.
func (p *Pipeline) coldItemsOf(lists []SourceList, norm Normalisation) []coldItem {
	warm := float64(p.Opts.ItemWarmEvents)
	if warm <= 0 || p.Opts.ColdItemBoost <= 0 || p.Opts.ColdItemSlots <= 0 {
		return nil
	}
	var out []coldItem
	for _, l := range lists {
		if l.Name != "content" {
			continue
		}
		scores := normalise(l.Items, norm, nil)
		for k, it := range l.Items {
			n := 0.0
			if idx, ok := p.M.ItemIndex[it.ID]; ok && int(idx) < len(p.M.Counts) {
				n = float64(p.M.Counts[idx])
			}
			if n >= warm {
				continue
			}
			f := 1 - n/warm
			out = append(out, coldItem{it.ID, p.Opts.ColdItemBoost * f * f, scores[k]})
		}
	}
	return out
}

// coldTop weighs cold items by the collaborative sources' share of the blend and returns
// the ColdItemSlots best boosts, best first.
func (p *Pipeline) coldTop(items []coldItem, weights map[string]float64) []coldBoost {
	if len(items) == 0 || p.Opts.ColdItemSlots <= 0 {
		return nil
	}
	collab := weights["cf"] + weights["itemknn"] + weights["ease"]
	total := collab + weights["content"] + weights["popular"]
	if total == 0 {
		return nil
	}
	share := collab / total
	var best []coldBoost
	for _, c := range items {
		b := c.lean * share * c.content
		if i := slices.IndexFunc(best, func(x coldBoost) bool { return x.id == c.id }); i >= 0 {
			best[i].boost = max(best[i].boost, b) // an item listed twice keeps its best score
			continue
		}
		best = append(best, coldBoost{c.id, b})
	}
	sort.SliceStable(best, func(a, b int) bool { return best[a].boost > best[b].boost })
	return best[:min(len(best), p.Opts.ColdItemSlots)]
}

// target is the calibration target: the category distribution of the history.
func (p *Pipeline) target(h []Interaction, context []string) Distribution {
	entries := make([]HistoryEntry, 0, len(h)+len(context))
	for _, x := range h {
		entries = append(entries, HistoryEntry{Categories: p.info.Categories(x.ItemID), Weight: x.Weight, Time: x.Last})
	}
	for _, id := range context {
		entries = append(entries, HistoryEntry{Categories: p.info.Categories(id), Weight: 1})
	}
	return TargetDistribution(entries, time.Now(), p.Opts.CalibrationHalfLife)
}

// ownReasons copies reasons out of the candidates' shared storage, so that a response (which
// may be cached) keeps only its own few reasons alive, not the whole candidate pool's.
func ownReasons(rs []recd.Reason) []recd.Reason {
	out := make([]recd.Reason, len(rs))
	for i, r := range rs {
		out[i] = r
		out[i].Items = append([]string(nil), r.Items...)
	}
	return out
}
