package rank

import "context"

// sourcesStage gathers the candidate sources the strategy calls for, each at most r.k
// deep: popularity for a request without liked items; for one with liked items, item-kNN
// from the liked items and the model sources (historySources, possibly from the user's
// SourceCache); then the session source and the caller's extra sources. A source the
// weights turn off is not computed. The context is checked before each source.
type sourcesStage struct{}

func (sourcesStage) run(ctx context.Context, r *request) error {
	p := r.p
	switch {
	case len(r.pos) == 0 && r.session:
		r.lists = append(r.lists, p.popularSource(r.k, r.rules, r.excl))
	case len(r.pos) == 0:
		r.lists = append(r.lists, p.popularSource(max(r.k, p.Opts.RerankSourceK), r.rules, r.excl))
	default:
		if err := r.historySources(ctx); err != nil {
			return err
		}
	}
	if r.session && (len(r.req.History) > 0 || len(r.pos) == 0) {
		if err := ctx.Err(); err != nil {
			return err
		}
		// The session proposes enough to fill a list, not a source's whole depth: the
		// history's sources hold the rest.
		r.lists = append(r.lists, p.sessionSource(ctx, r.recent, r.excl, min(r.k, max(5*r.req.N, 50)))...)
	}
	r.lists = append(r.lists, r.req.Extra...)
	return nil
}

// modelSource is one of the sources that depend on the model more than on the newest
// event, which a plain request may take from the SourceCache. list reports false when the
// source has nothing to say (no index, no vector).
type modelSource struct {
	name string
	list func(ctx context.Context, r *request) (SourceList, bool)
}

// modelSources are the model sources in blend order. EASE has its own incremental path in
// the SourceCache (see cachedSources).
var modelSources = []modelSource{
	{"ease", func(_ context.Context, r *request) (SourceList, bool) {
		items, weights := r.indexedSrc()
		return r.p.easeSource(items, weights, r.excl, r.k), true
	}},
	{"popular", func(_ context.Context, r *request) (SourceList, bool) {
		return r.p.popularSource(r.k, r.rules, r.excl), true
	}},
	{"cf", func(ctx context.Context, r *request) (SourceList, bool) {
		items, weights := r.indexedSrc()
		return r.p.cfSource(ctx, items, weights, &r.filter, r.excl, r.cfk)
	}},
	{"content", func(ctx context.Context, r *request) (SourceList, bool) {
		return r.p.contentSource(ctx, r.pos, &r.filter, r.k)
	}},
}

// historySources lists the sources of a request with liked items: item-kNN from the whole
// current history on every request, then the model sources, which a plain request of a
// known user takes from its SourceCache.
func (r *request) historySources(ctx context.Context) error {
	if r.on("itemknn") {
		items, weights := r.indexedSrc()
		r.lists = append(r.lists, r.p.knnSourceOf(items, weights, r.excl, r.k))
	}
	if r.cacheable() {
		if err := ctx.Err(); err != nil {
			return err
		}
		cached, cold := r.cachedSources(ctx)
		r.lists, r.cold = append(r.lists, cached...), &cold
		return nil
	}
	for _, s := range modelSources {
		if !r.on(s.name) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if l, ok := s.list(ctx, r); ok {
			r.lists = append(r.lists, l)
		}
	}
	return nil
}

// indexedSrc is r.src mapped to the model's item indexes with their weights (indexed),
// mapped once for every history source of the request.
func (r *request) indexedSrc() ([]int32, []float32) {
	if !r.srcDone {
		r.srcItems, r.srcWeights = r.p.indexed(r.src)
		r.srcDone = true
	}
	return r.srcItems, r.srcWeights
}

// cacheable reports whether the request may use the SourceCache: a known user's plain
// request with no context items, extra sources, own weights, or category and attribute
// filters, any of which changes what the model sources answer.
func (r *request) cacheable() bool {
	req, rules := r.req, &r.rules
	return req.SourceCache != nil && req.SourceKey != "" && len(req.History) > 0 && len(req.ContextItems) == 0 &&
		len(req.Extra) == 0 && req.Weights == nil && len(rules.Categories) == 0 && len(rules.ExcludeCategories) == 0 &&
		len(rules.Filters) == 0
}
