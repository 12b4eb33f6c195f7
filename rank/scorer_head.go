package rank

import (
	"context"
	"slices"
)

// This file is scoreStage's shortcut for plain requests, which a response can only draw
// from the head of the scored pool. It must rank exactly what the full path (Score, then
// filterStage and sessionBoostStage) ranks: the same items, scores, reasons and order for
// the top n. TestPipeline_HeadOf compares both on every kind of request it takes.

// plainRequest reports whether a request's only re-ranking stage is the session boost, so
// that headOf may rank it: no diversity, calibration, long-tail share, exposure boost,
// rotation of items shown before, boosting rule or caller filter, and a session boost (if any) from the pipeline's own copy
// of the content vectors. The stages after the session boost then only take the top n.
func (r *request) plainRequest(ctx context.Context) bool {
	p := r.p
	if p.noHead || r.diversity != 0 || r.calibration != 0 || r.tailShare != 0 || (r.exposure != 0 && p.Exposure != nil) ||
		r.rotates() || r.req.Keep != nil || len(r.rules.Boosts) > 0 {
		return false
	}
	return r.sessionW == 0 || len(r.recent) == 0 || p.Index == nil || p.contentVectors(ctx) != nil
}

// headOf is the exact shortcut of a plain request (see plainRequest): it takes the scored
// candidates from the top of the pool a chunk at a time, filters them as filterStage does
// (admit), annotates and session-boosts them, and stops once no candidate left in the pool
// can reach the top n, even with the largest session boost the recent items allow. The
// session boost moves a score s to (1-w)*s + w*m, where the mean similarity m is at most
// the norm of the recent items' mean unit vector, so a candidate left with score s scores
// at most (1-w)*s + w*bound. The result is the candidates the full pipeline would rank, cut
// where they can no longer matter; Rerank's top-n then picks the same items in the same
// order. The context is checked before each chunk.
func (r *request) headOf(ctx context.Context, pool *blendPool) ([]Candidate, error) {
	p, recent, w, n := r.p, r.recent, r.sessionW, r.req.N
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
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		chunk, err := r.admit(pool.take(nil, size))
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
