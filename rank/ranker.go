package rank

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/recd/recd"
)

// TreeModel is what the learned scorer needs of a trained model (gbdt.Model has it): scores
// of row-major feature rows, and one row's per-feature contributions along its tree paths.
// Implementations are safe for concurrent use.
type TreeModel interface {
	PredictRows(X []float32, out []float64)
	Contributions(row []float32, out []float64) float64
	NumFeatures() int
}

// Ranker is a trained learned ranker: the model and the feature set it was trained on. It
// is immutable and safe for concurrent use.
type Ranker struct {
	Model    TreeModel
	Features FeatureSet
}

// ErrFeatureSet is returned by NewRanker for a model trained on other features.
var ErrFeatureSet = fmt.Errorf("%w: ranker model was trained on another feature set", recd.ErrInvalid)

// NewRanker returns the ranker of m, trained on the features trainedOn, for a pipeline whose
// features are fs. A model of another feature set (names or order differ) or of another
// width is refused.
func NewRanker(m TreeModel, trainedOn []string, fs FeatureSet) (*Ranker, error) {
	if HashFeatures(trainedOn) != fs.Hash() {
		return nil, fmt.Errorf("%w (model %016x, pipeline %016x)", ErrFeatureSet, HashFeatures(trainedOn), fs.Hash())
	}
	if m == nil || m.NumFeatures() != len(fs.Names) {
		return nil, fmt.Errorf("%w: model has %d features, the set %d", ErrFeatureSet, numFeatures(m), len(fs.Names))
	}
	return &Ranker{Model: m, Features: fs}, nil
}

func numFeatures(m TreeModel) int {
	if m == nil {
		return 0
	}
	return m.NumFeatures()
}

// learnedScorer scores with the pipeline's Ranker, or its RemoteRanker: the blend's pool
// first (the sources' normalised scores, computed lazily, see blendPool), then the model over
// the pool's best rankerPool items a ranker source proposed (in practice all of them), in one
// call over flat feature rows (modelScores). Those map onto [0.5, 1] by their model score; the
// others follow in blend order within [0, 0.5), so later stages see scores on the blend's
// scale. As a poolScorer it lets a plain request take the head shortcut: only the items the
// response can draw from become Candidates. Safe for concurrent use.
type learnedScorer struct{}

var _ poolScorer = learnedScorer{}

// Score is scorePool with every item taken, best first: what the head shortcut ranks from.
func (s learnedScorer) Score(ctx context.Context, in *ScoreInput) ([]Candidate, error) {
	pool, err := s.scorePool(ctx, in)
	if err != nil {
		return nil, err
	}
	n := pool.len()
	return pool.take(make([]Candidate, 0, n), n), nil
}

// scorePool scores the pool's items by the model and keeps their rows for the explanations.
// When the model gives no scores (a failed remote ranker without a local one) the pool keeps
// the blend's.
func (learnedScorer) scorePool(ctx context.Context, in *ScoreInput) (*blendPool, error) {
	pool, boosts, err := blendPoolOf(in)
	if err != nil {
		return nil, err
	}
	cold := coldPlaces(pool, boosts)
	r := in.req
	fs := r.rankerFeatures()
	sel := rankedByRanker(pool)
	X, err := r.p.features(ctx, r, pool, sel, fs, pool.x)
	if err != nil {
		return pool, err
	}
	pool.x = X
	out, local, err := r.modelScores(ctx, fs, X, len(sel))
	if err != nil || out == nil {
		return pool, err
	}
	pool.row = resized(pool.row, len(pool.ids))
	r.ranker = &rankerRows{X: X, pool: pool, row: pool.row, local: local}
	for j := range r.ranker.row {
		r.ranker.row[j] = -1
	}
	for k, j := range sel {
		r.ranker.row[j] = int32(k)
	}
	lo, hi := minMax(out)
	for j, k := range r.ranker.row {
		if k >= 0 {
			pool.score[j] = 0.5 + 0.5*scaled(out[k], lo, hi)
		} else {
			pool.score[j] = 0.5 * min(max(pool.score[j], 0), 0.999)
		}
	}
	placeCold(pool, cold)
	return pool, nil
}

// coldPlace is a boosted cold item of the pool and its place in the blend's order (how many
// items the blend ranks above it).
type coldPlace struct {
	j     int32
	place int
}

// coldPlaces returns the places the blend gives the boosted cold items (see coldItems), in
// the pool as it stands before the model's scores replace the blend's.
func coldPlaces(pool *blendPool, boosts []coldBoost) []coldPlace {
	var out []coldPlace
	for _, b := range boosts {
		j, ok := pool.pos[b.id]
		if !ok {
			continue
		}
		place := 0
		for i := range pool.ids {
			if int32(i) != j && pool.less(int32(i), j) {
				place++
			}
		}
		out = append(out, coldPlace{j, place})
	}
	return out
}

// placeCold keeps the cold-start policy when the model scores: a boosted cold item, which
// no model source proposes (it has no interactions to be proposed for) and so would fall
// below every item the model scored, takes the place in the model's order that the blend's
// policy gave it, between the items now at place-1 and place (a tie there is broken by id,
// so it may land one place off). An item the model placed higher stays there.
func placeCold(pool *blendPool, cold []coldPlace) {
	for _, c := range cold {
		if c.place >= len(pool.ids)-1 {
			continue
		}
		top := bestScores(pool.score, c.j, c.place+1)
		s := top[c.place] + 1e-6 // the best place: above the best item, by a hair
		if c.place > 0 {
			s = (top[c.place-1] + top[c.place]) / 2
		}
		pool.score[c.j] = max(pool.score[c.j], s)
	}
}

// bestScores returns the k best of scores but the one at skip, best first: by insertion for
// a small k (the cold item's place is usually near the top), else by sorting them all.
func bestScores(scores []float64, skip int32, k int) []float64 {
	if k > 64 {
		all := make([]float64, 0, len(scores))
		for i, s := range scores {
			if int32(i) != skip {
				all = append(all, s)
			}
		}
		slices.SortFunc(all, func(a, b float64) int { return cmp.Compare(b, a) })
		return all[:k]
	}
	top := make([]float64, 0, k)
	for i, s := range scores {
		if int32(i) == skip || len(top) == k && s <= top[k-1] {
			continue
		}
		if len(top) < k {
			top = append(top, s)
		} else {
			top[k-1] = s
		}
		for x := len(top) - 1; x > 0 && top[x] > top[x-1]; x-- {
			top[x], top[x-1] = top[x-1], top[x]
		}
	}
	return top
}

// rankerPool is how many candidates the learned ranker scores at most: the blend's best of
// those a ranker source proposed (the rest follow in blend order). On MovieLens a cut at 300
// cost 0.007 NDCG@10 of the per-user time split against scoring the whole union (about 600 at
// source depth 200): held-out items the blend ranks low are what the ranker finds.
const rankerPool = 1000

// rankedByRanker returns the pool's items some ranker source proposed, in blend order (best
// first, ties by id), at most rankerPool of them: the rows the ranker scores. Call it before
// the pool's first take.
func rankedByRanker(pool *blendPool) []int32 {
	srcOf := rankerSourceOf(pool.lists)
	sel := pool.sel[:0]
	for j := range pool.ids {
		for e := pool.head[j]; e >= 0; e = pool.next[e] {
			if srcOf[pool.entryList[e]] >= 0 {
				sel = append(sel, int32(j))
				break
			}
		}
	}
	slices.SortFunc(sel, func(a, b int32) int {
		switch {
		case a == b:
			return 0
		case pool.less(a, b):
			return -1
		}
		return 1
	})
	pool.sel = sel
	return sel[:min(len(sel), rankerPool)]
}

// rankerSourceOf returns, for every list, the index of its source in rankerSources, or -1.
func rankerSourceOf(lists []SourceList) []int8 {
	out := make([]int8, len(lists))
	for li, l := range lists {
		out[li] = int8(slices.Index(rankerSources[:], l.Name))
	}
	return out
}

func minMax(xs []float64) (lo, hi float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	lo, hi = xs[0], xs[0]
	for _, x := range xs {
		lo, hi = min(lo, x), max(hi, x)
	}
	return lo, hi
}

func scaled(x, lo, hi float64) float64 {
	if hi <= lo {
		return 1
	}
	return (x - lo) / (hi - lo)
}

// rankerRows are the feature rows the learned scorer scored, kept for the explanations.
type rankerRows struct {
	X    []float32
	pool *blendPool // the scored pool: its pos map finds an item's index
	row  []int32    // the pool item's row of X, -1 when the ranker did not score it
	// local is true when the local model scored the rows (its contributions explain them),
	// false when the remote ranker did. lazy is set while the rows of a blend-scored pool
	// (loggedBlend) are still to be computed for the items returned.
	local, lazy bool
}

// of returns the feature row of item id, nil when the ranker did not score it.
func (rr *rankerRows) of(id string, nf int) []float32 {
	j, ok := rr.pool.pos[id]
	if !ok || rr.row[j] < 0 {
		return nil
	}
	k := int(rr.row[j])
	return rr.X[k*nf : (k+1)*nf]
}

// usesRanker reports whether the request is ranked by the pipeline's Ranker: a user's
// request with liked items in their history, the kind the ranker was trained on; not one
// with context items (a query's "like X"), a caller's extra source or a session source,
// whose candidates and intent its features do not see.
func (r *request) usesRanker() bool {
	if (r.p.M.Ranker == nil && r.p.Opts.Remote == nil) || r.p.Opts.BlendOnly || r.req.BlendOnly {
		return false
	}
	return r.rankerKind()
}

// rankerExpected reports, before the sources run, whether a learned ranker will rank the
// request whatever happens: usesRanker's test without the session list, which only the
// sources know (a request whose session source is on is taken to have one), and with a
// local ranker, the remote one's fallback (without one a failed remote call serves the
// blend, which needs the sources at full depth).
func (r *request) rankerExpected() bool {
	return r.p.M.Ranker != nil && !r.p.Opts.BlendOnly && !r.req.BlendOnly && !r.session && r.rankerShaped()
}

// rankerKind reports whether the request is of the kind a ranker ranks (see usesRanker),
// whether or not one serves.
func (r *request) rankerKind() bool {
	return r.rankerShaped() && !slices.ContainsFunc(r.lists, func(l SourceList) bool { return l.Name == "session" })
}

// rankerShaped is the part of rankerKind known before the sources run: a user's own
// request with liked items, and no context items or extra sources.
func (r *request) rankerShaped() bool {
	return len(r.pos) > 0 && len(r.req.Extra) == 0 && len(r.req.ContextItems) == 0 && len(r.req.History) > 0
}
