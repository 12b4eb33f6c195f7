package rank

// Strategies reported in Response.Strategy: the cold-start policy's choice for the request.
const (
	StrategyPopularity = "popularity"        // no history: Bayesian-average popularity
	StrategyBootstrap  = "content_bootstrap" // a few events: content profile blended with item-kNN
	StrategyHybrid     = "hybrid"            // warm user: item-kNN, CF and content blended
	StrategySession    = "session"           // anonymous: from the request's context items alone
	StrategyQuery      = "query"             // a natural-language request's sources and filters
)

// chooseStrategy is the user side of the cold-start policy: no liked items get popularity
// (or the session, when there is one), a few get the content bootstrap, a warm user the
// hybrid blend. A request with extra sources is a query; with a history besides, its
// strategy says both ("query+hybrid"). sourcesStage then gathers what the strategy calls
// for.
func (r *request) chooseStrategy() {
	p, req := r.p, r.req
	switch {
	case len(r.pos) == 0 && r.session:
		// An anonymous session without context items: its clicks are the context (the
		// session source), popularity fills in.
		r.resp.Strategy = StrategySession
	case len(r.pos) == 0:
		r.resp.Strategy = StrategyPopularity
		if len(req.Extra) > 0 {
			r.resp.Strategy = StrategyQuery
		}
	case len(req.History) == 0:
		r.resp.Strategy = StrategySession
	case len(r.pos) < p.Opts.FewEvents:
		r.resp.Strategy = StrategyBootstrap
		// Few events: lean on the content profile, less with every event, as item-kNN
		// neighbours become reliable.
		r.weights["content"] = max(r.weights["content"], 1.5*(1-float64(len(r.pos))/float64(p.Opts.FewEvents)))
	default:
		r.resp.Strategy = StrategyHybrid
	}
	if len(req.Extra) > 0 && r.resp.Strategy != StrategyQuery {
		r.resp.Strategy = StrategyQuery + "+" + r.resp.Strategy
	}
}

// normalisation is how the scorer maps each source's scores onto [0, 1] for this request:
// the configured one, or rank for the popularity strategy (exactly the popular order).
func (r *request) normalisation() Normalisation {
	norm := r.p.Opts.Normalisation
	if norm == "" {
		norm = MinMax
	}
	if r.resp.Strategy == StrategyPopularity {
		norm = Rank
	}
	return norm
}

// coldItems reports whether the item side of the cold-start policy applies (see
// Pipeline.coldItems): not to the popularity and query strategies, which propose no item
// from a content profile.
func (r *request) coldItems() bool {
	return r.resp.Strategy != StrategyPopularity && r.resp.Strategy != StrategyQuery
}
