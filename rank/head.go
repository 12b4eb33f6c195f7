package rank

import (
	"context"
	"slices"
)

// plainRequest reports whether a request's only re-ranking stage is the session boost, so
// that headOf may rank it: no diversity, calibration, long-tail share, exposure boost,
// boosting rule or caller filter, and a session boost (if any) from the pipeline's own copy
// of the content vectors.
func (p *Pipeline) plainRequest(ctx context.Context, req *Request, rules *Rules, recent []string,
	sessionW, diversity, calibration, tailShare, exposure float64) bool {
	if p.noHead || diversity != 0 || calibration != 0 || tailShare != 0 || (exposure != 0 && p.Exposure != nil) ||
		req.Keep != nil || len(rules.Boosts) > 0 {
		return false
	}
	return sessionW == 0 || len(recent) == 0 || p.Index == nil || p.contentVectors(ctx) != nil
}

// headOf is the exact shortcut of a plain request (see plainRequest): it takes the blended
// candidates from the top of the pool a chunk at a time, applies the rules, annotations and
// session boost to them, and stops once no candidate left in the pool can reach the top n,
// even with the largest session boost the recent items allow. The session boost moves a
// score s to (1-w)*s + w*m, where the mean similarity m is at most the norm of the recent
// items' mean unit vector, so a candidate left with score s scores at most
// (1-w)*s + w*bound. The result is the candidates the full pipeline would rank, cut where
// they can no longer matter; Rerank's top-n then picks the same items in the same order.
func (p *Pipeline) headOf(ctx context.Context, pool *blendPool, rules Rules, excl exclusion, outside map[string]bool,
	recent []string, w float64, n int) ([]Candidate, error) {
	// rules.Exclude is excl and outside (see Pipeline.exclusion): checked here rather than
	// by a set Apply would build for every chunk. Availability and categories come from one
	// catalog lookup per candidate.
	available := rules.AvailableOnly
	rules.Exclude, rules.AvailableOnly = nil, false
	if len(recent) == 0 || p.Index == nil {
		w = 0 // no session boost (as in the full pipeline without an index)
	}
	limit := p.Opts.Pool
	if limit <= 0 {
		limit = pool.len()
	}
	var out []Candidate
	var scores []float64
	for size := max(4*n, 64); pool.len() > 0 && len(out) < limit; size *= 2 {
		chunk := pool.take(nil, size)
		kept := chunk[:0]
		for _, c := range chunk {
			if i, ok := p.M.ItemIndex[c.ID]; ok && excl.has(i) || outside[c.ID] {
				continue
			}
			m, ok := p.Catalog.Item(c.ID)
			if available && !(ok && m.Available) {
				continue
			}
			c.Categories = m.Categories
			kept = append(kept, c)
		}
		chunk, err := rules.Apply(kept, p.info) // filters in place, keeps the order
		if err != nil {
			return nil, err
		}
		chunk = chunk[:min(len(chunk), limit-len(out))]
		Annotate(chunk, p.info, p.M.Tail)
		bound := 0.0
		if w > 0 && len(chunk) > 0 {
			// plainRequest made sure this is the pipeline's own copy: never nil.
			var sim Similarity
			if sim, bound = p.similarity(ctx, chunk, recent); sim == nil {
				w, bound = 0, 0 // ContentChanged raced this request: no boost from here on
			} else if err := SessionBoost(chunk, recent, sim, w); err != nil {
				return nil, err
			}
		}
		out = append(out, chunk...)
		next, ok := pool.peek()
		if !ok || len(out) < n {
			continue
		}
		scores = scores[:0]
		for _, c := range out {
			scores = append(scores, c.Score)
		}
		slices.Sort(scores)
		if nth := scores[len(scores)-n]; nth > (1-w)*next+w*bound {
			break
		}
	}
	return out, nil
}
