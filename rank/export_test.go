package rank

import "context"

// SetNoHead makes p rank every request the long way (no headOf shortcut), for tests that
// compare both.
func SetNoHead(p *Pipeline, v bool) { p.noHead = v }

// HeadRuns returns how many requests p ranked by the headOf shortcut.
func HeadRuns(p *Pipeline) int64 { return p.headRuns.Load() }

// KNNTop returns the item-kNN source's top k for the liked items twice: from the sparse
// scorer the pipeline uses and from ItemKNN.Score over the whole catalog.
func KNNTop(p *Pipeline, liked []Interaction, k int) (sparse, full []int32, sparseScores, fullScores []float64) {
	items, weights := p.indexed(liked)
	sparse, sparseScores = p.knnTop(items, weights, nil, k)
	full, fullScores = p.topScored(func(dst []float32) { p.M.KNN.Score(-1, items, weights, dst) }, nil, k)
	return sparse, full, sparseScores, fullScores
}

// EASEScores returns the EASE scores of liked computed at once and, after the history
// before, updated from before's scores.
func EASEScores(p *Pipeline, before, liked []Interaction) (full, updated []float32) {
	bi, bw := p.indexed(before)
	li, lw := p.indexed(liked)
	prev := p.easeScores(nil, bi, bw)
	return p.easeScores(nil, li, lw).scores, p.easeScores(prev, li, lw).scores
}

// SourceDepths runs req's set-up and sources stage and returns each list's length by
// source name.
func SourceDepths(ctx context.Context, p *Pipeline, req Request) (map[string]int, error) {
	r := p.newRequest(&req)
	defer r.release()
	if err := (sourcesStage{}).run(ctx, r); err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, l := range r.lists {
		out[l.Name] = len(l.Items)
	}
	return out, nil
}
