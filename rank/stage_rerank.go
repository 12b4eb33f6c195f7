package rank

import (
	"context"
	"time"
)

// The re-ranking stages reorder the filtered pool; each works on the whole pool at once.

// sessionBoostStage moves the candidates towards the recent items (SessionBoost) by their
// content similarity. A plain request was session-boosted by the head shortcut already.
type sessionBoostStage struct{}

func (sessionBoostStage) run(ctx context.Context, r *request) error {
	if r.head || !(r.sessionW > 0 && len(r.recent) > 0) || len(r.cands) == 0 {
		return nil
	}
	sim := r.similarity(ctx)
	if sim == nil {
		return nil
	}
	return SessionBoost(r.cands, r.recent, sim, r.sessionW)
}

// exposureStage raises the candidates shown less than the average (ExposureBoost) when the
// pipeline keeps an Exposure counter. plainRequest sends no request with it to the head
// shortcut.
type exposureStage struct{}

func (exposureStage) run(_ context.Context, r *request) error {
	if r.exposure > 0 && r.p.Exposure != nil {
		return ExposureBoost(r.cands, r.p.Exposure, r.exposure)
	}
	return nil
}

// diversifyStage picks the first n candidates under MMR and calibration at once (Rerank):
// diversity by the mix of category, CF and content similarity (diversitySimilarity),
// calibration to the history's category distribution. With both off it moves the n best to
// the front. Its greedy loop checks the context at every step.
type diversifyStage struct{}

func (diversifyStage) run(ctx context.Context, r *request) error {
	p := r.p
	ro := RerankOptions{Diversity: r.diversity, Calibration: r.calibration, Pool: p.Opts.RerankPool,
		Relevance: p.Opts.DiversityRelevance}
	if r.diversity > 0 {
		pool := r.cands
		if ro.Pool > 0 {
			pool = r.cands[:min(len(r.cands), max(ro.Pool, r.req.N))]
		}
		var content Similarity
		if len(r.cands) > 0 {
			content = r.similarity(ctx)
		}
		ro.Sim = p.diversitySimilarity(pool, content)
	}
	if r.calibration > 0 {
		ro.Target = p.target(r.req.History, r.req.ContextItems)
	}
	if ro.Sim == nil {
		ro.Diversity = 0
	}
	if ro.Diversity == 0 {
		ro.Relevance = p.Opts.CalibrationRelevance
	}
	return rerank(ctx, r.cands, r.req.N, ro)
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

// longTailStage guarantees the long-tail items their share of the first n (LongTailShare).
type longTailStage struct{}

func (longTailStage) run(_ context.Context, r *request) error {
	if r.tailShare > 0 {
		return LongTailShare(r.cands, r.req.N, r.tailShare)
	}
	return nil
}
