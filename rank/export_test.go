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

// The per-item queries below answer one item at a time by the index's search: the tests'
// references for RecentAll and the index's per-item counts, which serving reads in bulk.

// Count returns how many of item i's events fall in (from, to].
func (t *ItemTimes) Count(i int32, from, to int64) int {
	return max(t.upTo(i, to)-t.upTo(i, from), 0)
}

// Span returns item i's first event time and its last event at or before to; ok is false
// when the item has no event at or before to.
func (t *ItemTimes) Span(i int32, to int64) (first, last int64, ok bool) {
	hi := t.upTo(i, to)
	if hi == 0 {
		return 0, 0, false
	}
	ts := t.of(i)
	return t.Base + int64(ts[0]), t.Base + int64(ts[hi-1]), true
}

// RecentAtNewest is Count(i, Newest-recentWindow, Newest), read from the index.
func (t *ItemTimes) RecentAtNewest(i int32) int {
	if t == nil || i < 0 || int(i)+1 >= len(t.Off) {
		return 0
	}
	return int(t.index().recent[i])
}

// upTo returns how many of item i's times are at or before x.
func (t *ItemTimes) upTo(i int32, x int64) int {
	if t == nil {
		return 0
	}
	return t.upToIn(t.index(), i, x)
}
