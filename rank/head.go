package rank

import (
	"context"
	"slices"
)

// plainRequest reports whether a request's only re-ranking stage is the session boost, so
// that headOf may rank it: no diversity, calibration, long-tail share, exposure boost,
// boosting rule or caller filter.
func (p *Pipeline) plainRequest(req *Request, rules *Rules, diversity, calibration, tailShare, exposure float64) bool {
	return !p.noHead && diversity == 0 && calibration == 0 && tailShare == 0 && (exposure == 0 || p.Exposure == nil) &&
		req.Keep == nil && len(rules.Boosts) == 0
}

// headOf is the exact shortcut of a plain request (see plainRequest): it applies the rules,
// annotations and session boost to the blended candidates (sorted best first) a chunk at a
// time and stops once no candidate further down can reach the top n, even with the
// largest session boost the recent items allow. The session boost moves a score s to
// (1-w)*s + w*m, where the mean similarity m is at most the norm of the recent items' mean
// unit vector, so a candidate below the last chunk scores at most (1-w)*s + w*bound. The
// result is the candidates the full pipeline would rank, cut where they can no longer
// matter; Rerank's top-n then picks the same items in the same order.
func (p *Pipeline) headOf(ctx context.Context, cands []Candidate, rules Rules, recent []string, w float64, n int) ([]Candidate, error) {
	var sim Similarity
	bound := 0.0
	if w > 0 && len(recent) > 0 && len(cands) > 0 {
		sim, bound = p.similarity(ctx, cands, recent)
	}
	if sim == nil {
		w = 0
	}
	pool := p.Opts.Pool
	if pool <= 0 {
		pool = len(cands)
	}
	out := make([]Candidate, 0, min(len(cands), pool))
	var scores []float64
	for lo, size := 0, max(4*n, 64); lo < len(cands) && len(out) < pool; size *= 2 {
		hi := min(len(cands), lo+size)
		chunk, err := rules.Apply(cands[lo:hi], p.info) // filters in place, keeps the order
		if err != nil {
			return nil, err
		}
		chunk = chunk[:min(len(chunk), pool-len(out))]
		Annotate(chunk, p.info, p.M.Tail)
		if w > 0 {
			if err := SessionBoost(chunk, recent, sim, w); err != nil {
				return nil, err
			}
		}
		out = append(out, chunk...)
		lo = hi
		if lo >= len(cands) || len(out) < n {
			continue
		}
		scores = scores[:0]
		for _, c := range out {
			scores = append(scores, c.Score)
		}
		slices.Sort(scores)
		if nth := scores[len(scores)-n]; nth > (1-w)*cands[lo].Score+w*bound {
			break
		}
	}
	return out, nil
}
