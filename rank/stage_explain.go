package rank

import (
	"context"

	"github.com/recd/recd"
)

// explainStage cuts the list to n, explains each item (Explain), writes the response and
// records the impressions for the exposure boost (unless Request.NoRecord).
type explainStage struct{}

func (explainStage) run(ctx context.Context, r *request) error {
	p, cands := r.p, r.cands
	if len(cands) > r.req.N {
		cands = cands[:r.req.N]
	}
	r.explainRanked(cands)
	if err := r.logFeatures(ctx, cands); err != nil {
		return err
	}
	Explain(cands, p.title)
	for _, c := range cands {
		r.resp.Items = append(r.resp.Items, recd.Recommendation{ID: c.ID, Score: c.Score, Title: p.title(c.ID),
			Reasons: ownReasons(c.Reasons)})
	}
	if p.Exposure != nil && len(cands) > 0 && !r.req.NoRecord {
		ids := make([]string, len(cands))
		for i, c := range cands {
			ids[i] = c.ID
		}
		p.Exposure.Record(ids)
	}
	return nil
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
