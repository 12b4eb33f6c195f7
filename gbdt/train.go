package gbdt

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// rowChunk is how many rows one parallel task scores.
const rowChunk = 8192

// maxRows bounds a training set: row indexes are int32.
const maxRows = math.MaxInt32

// TrainLambdaMART is Train with the LambdaRank objective: it grows gradient-boosted regression
// trees on train with the LambdaRank gradient for NDCG@p.NDCGAt. With valid it records the
// validation NDCG after every round, stops after p.EarlyStop rounds without improvement and
// keeps the best round's trees. progress, when not nil, is called after every round with its
// number (from 1) and the NDCG@k of the model so far on both sets (validNDCG is NaN without
// valid). The model depends on the data, p.Seed and the other parameters, never on p.Workers.
// ctx cancels between rounds. Training reads train and valid and never changes them.
func TrainLambdaMART(ctx context.Context, train, valid *Dataset, p Params, progress func(round int, trainNDCG, validNDCG float64)) (*Model, error) {
	p.Objective = LambdaRank
	return Train(ctx, train, valid, p, progress)
}

// Train grows gradient-boosted regression trees on train for p.Objective; otherwise it is
// TrainLambdaMART. The pointwise objectives use every row; the NDCG they report averages the
// groups with a relevant row (label > 0), NaN when there is none.
func Train(ctx context.Context, train, valid *Dataset, p Params, progress func(round int, trainNDCG, validNDCG float64)) (*Model, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := train.validate("train"); err != nil {
		return nil, err
	}
	if train.Rows() > maxRows {
		return nil, fmt.Errorf("%w: train has %d rows, at most %d", ErrInvalid, train.Rows(), maxRows)
	}
	if valid != nil {
		if err := valid.validate("valid"); err != nil {
			return nil, err
		}
		if valid.NumFeatures != train.NumFeatures {
			return nil, fmt.Errorf("%w: valid.NumFeatures %d, train has %d", ErrInvalid, valid.NumFeatures, train.NumFeatures)
		}
	}
	if p.Objective == Logistic {
		for i, l := range train.Label {
			if l > 1 {
				return nil, fmt.Errorf("%w: train.Label[%d] = %v, the logistic objective wants labels in [0, 1]", ErrInvalid, i, l)
			}
		}
	}
	t := newTrainer(train, valid, p)
	if p.Objective == LambdaRank && len(t.tg.useful) == 0 {
		return nil, fmt.Errorf("%w: train has no query group with rows of different grades", ErrInvalid)
	}
	if valid != nil && t.vg.rated == 0 {
		return nil, fmt.Errorf("%w: valid has no query group with a relevant row", ErrInvalid)
	}
	return t.run(ctx, progress)
}

// trainer holds one training run's state; it is used by one goroutine.
type trainer struct {
	p            Params
	workers      int
	train, valid *Dataset
	lr           *lambdaRank
	bins         *binner
	tg, vg       *groupSet
	groups       []int   // the groups trees are grown on: the useful ones for LambdaRank, else all
	rows         []int32 // their rows, ascending
	idx          []int32 // this round's rows, reordered by the grower
	scores       []float64
	vscores      []float64
	vcols        [][]uint8 // the validation set in the training set's bins
	g, h         []float64
	stamp        []int32 // the number of trees when a row was last grown on
	grower       *grower
	rng          *rand.Rand
	model        *Model
	gains        []float64 // split gain of every model node
	base         float64   // the score before the first tree, folded into its values
}

func newTrainer(train, valid *Dataset, p Params) *trainer {
	w := p.workers()
	t := &trainer{p: p, workers: w, train: train, valid: valid, lr: newLambdaRank(p.NDCGAt)}
	t.bins = fitBins(train, p.Bins, w)
	cols := t.bins.columns(train, w)
	t.tg = newGroupSet(train, t.lr)
	t.groups = t.tg.useful
	if p.Objective != LambdaRank {
		t.groups = make([]int, len(train.Group))
		for q := range t.groups {
			t.groups[q] = q
		}
	}
	t.rows = t.tg.rowsOf(t.groups)
	t.idx = make([]int32, 0, len(t.rows))
	n := train.Rows()
	t.scores, t.g, t.h = make([]float64, n), make([]float64, n), make([]float64, n)
	t.stamp = make([]int32, n)
	t.base = baseScore(p.Objective, train)
	for r := range t.scores {
		t.scores[r] = t.base
	}
	t.grower = newGrower(p, w, cols, newHistLayout(t.bins), t.g, t.h)
	if valid != nil {
		t.vg = newGroupSet(valid, t.lr)
		t.vscores = make([]float64, valid.Rows())
		t.vcols = t.bins.columns(valid, w)
	}
	t.rng = rand.New(rand.NewPCG(p.Seed, p.Seed^0x9e3779b97f4a7c15))
	t.model = &Model{numFeatures: train.NumFeatures, ndcgAt: p.NDCGAt, names: slices.Clone(train.Names)}
	return t
}

func (t *trainer) run(ctx context.Context, progress func(round int, trainNDCG, validNDCG float64)) (*Model, error) {
	bestRound, bestNDCG := 0, math.Inf(-1)
	var vcurve []float64
	for round := 0; ; round++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		trainNDCG := t.gradients()
		if round > 0 {
			v := math.NaN()
			if t.valid != nil {
				v = vcurve[round-1]
				t.model.curve = append(t.model.curve, v)
			} else {
				t.model.curve = append(t.model.curve, trainNDCG)
			}
			if progress != nil {
				progress(round, trainNDCG, v)
			}
		}
		if round == t.p.Trees || (t.p.EarlyStop > 0 && t.valid != nil && round-bestRound >= t.p.EarlyStop) {
			break
		}
		idx := t.sampleRows()
		tree, leaves := t.grower.grow(idx, t.sampleFeatures())
		t.addTree(tree, idx, leaves)
		if t.valid != nil {
			v := t.vg.meanNDCG(t.lr, t.vscores, t.workers)
			vcurve = append(vcurve, v)
			if v > bestNDCG {
				bestRound, bestNDCG = round+1, v
			}
		}
	}
	if t.valid != nil {
		t.keep(bestRound)
	}
	var err error
	if t.model.heap, err = newHeapTrees(t.model); err != nil {
		return nil, err // cannot happen: MaxDepth is at most maxTreeDepth
	}
	t.model.importance = make([]float64, t.model.numFeatures)
	for i, n := range t.model.nodes {
		if n.flags&flagLeaf == 0 {
			t.model.importance[n.feat] += t.gains[i]
		}
	}
	return t.model, nil
}

// gradients sets every row's gradient and hessian under the current scores and returns the
// training NDCG@k of those scores.
func (t *trainer) gradients() float64 {
	if t.p.Objective == LambdaRank {
		return t.tg.lambdas(t.lr, t.scores, t.train.Weight, t.g, t.h, t.workers)
	}
	pointwise(t.p.Objective, t.scores, t.train.Label, t.train.Weight, t.g, t.h, t.workers)
	return t.tg.meanNDCG(t.lr, t.scores, t.workers)
}

// sampleRows returns this round's rows: those of a RowSample share of t.groups.
func (t *trainer) sampleRows() []int32 {
	t.idx = t.idx[:0]
	if t.p.RowSample >= 1 {
		return append(t.idx, t.rows...)
	}
	for _, q := range t.groups {
		if t.rng.Float64() < t.p.RowSample {
			for r := t.tg.off[q]; r < t.tg.off[q+1]; r++ {
				t.idx = append(t.idx, int32(r))
			}
		}
	}
	if len(t.idx) == 0 {
		return append(t.idx, t.rows...)
	}
	return t.idx
}

// sampleFeatures returns this round's features, ascending.
func (t *trainer) sampleFeatures() []int {
	nf := t.train.NumFeatures
	if t.p.FeatureSample >= 1 {
		feats := make([]int, nf)
		for f := range feats {
			feats[f] = f
		}
		return feats
	}
	k := max(1, int(math.Round(t.p.FeatureSample*float64(nf))))
	feats := t.rng.Perm(nf)[:k]
	slices.Sort(feats)
	return feats
}

// addTree appends a grown tree to the model and adds its output to the scores of both sets.
// The rows the tree was grown on (idx) get their leaf's value from where the grower left them;
// the others walk the tree.
func (t *trainer) addTree(tree []growNode, idx []int32, leaves []leafRows) {
	if len(t.model.roots) == 0 && t.base != 0 {
		for i := range tree {
			tree[i].val = float32(float64(tree[i].val) + t.base)
		}
		clear(t.scores) // the first tree now carries the base score
	}
	t.appendTree(tree)
	stamp := int32(len(t.model.roots))
	parallelFor(t.workers, len(leaves), func(k int) {
		l := leaves[k]
		v := float64(tree[l.node].val)
		for _, r := range idx[l.begin:l.end] {
			t.scores[r] += v
			t.stamp[r] = stamp
		}
	})
	cols := t.grower.cols
	parallelChunks(t.workers, len(t.scores), rowChunk, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			if t.stamp[r] != stamp {
				t.scores[r] += float64(tree[leafOfBins(tree, cols, r)].val)
			}
		}
	})
	if t.valid == nil {
		return
	}
	parallelChunks(t.workers, len(t.vscores), rowChunk, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			t.vscores[r] += float64(tree[leafOfBins(tree, t.vcols, r)].val)
		}
	})
}

// appendTree appends a grown tree's nodes to the model, thresholds as the bins' edges.
func (t *trainer) appendTree(tree []growNode) {
	base := int32(len(t.model.nodes))
	t.model.roots = append(t.model.roots, base)
	for _, n := range tree {
		mn := node{val: n.val}
		if n.leaf {
			mn.flags = flagLeaf
		} else {
			mn.feat, mn.kids, mn.thr = uint16(n.feat), base+n.kids, t.bins.edges[n.feat][n.bin-1]
			if n.missLeft {
				mn.flags = flagMissLeft
			}
		}
		t.model.nodes = append(t.model.nodes, mn)
		t.gains = append(t.gains, n.gain)
	}
}

// keep truncates the model to its first trees.
func (t *trainer) keep(trees int) {
	if trees >= len(t.model.roots) {
		return
	}
	end := t.model.roots[trees]
	t.model.roots = t.model.roots[:trees]
	t.model.nodes = t.model.nodes[:end]
	t.gains = t.gains[:end]
}
