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

// TrainLambdaMART grows gradient-boosted regression trees on train with the LambdaRank
// gradient for NDCG@p.NDCGAt. With valid it records the validation NDCG after every round,
// stops after p.EarlyStop rounds without improvement and keeps the best round's trees. progress,
// when not nil, is called after every round with its number (from 1) and the NDCG@k of the
// model so far on both sets (validNDCG is NaN without valid). The model depends on the data,
// p.Seed and the other parameters, never on p.Workers. ctx cancels between rounds.
func TrainLambdaMART(ctx context.Context, train, valid *Dataset, p Params, progress func(round int, trainNDCG, validNDCG float64)) (*Model, error) {
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
	t := newTrainer(train, valid, p)
	if len(t.tg.useful) == 0 {
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
	rows         []int32 // the useful rows, ascending
	idx          []int32 // this round's rows, reordered by the grower
	scores       []float64
	vscores      []float64
	vcols        [][]uint8 // the validation set in the training set's bins
	g, h         []float64
	grower       *grower
	rng          *rand.Rand
	model        *Model
	gains        []float64 // split gain of every model node
}

func newTrainer(train, valid *Dataset, p Params) *trainer {
	w := p.workers()
	t := &trainer{p: p, workers: w, train: train, valid: valid, lr: newLambdaRank(p.NDCGAt)}
	t.bins = fitBins(train, p.Bins, w)
	cols := t.bins.columns(train, w)
	t.tg = newGroupSet(train, t.lr)
	t.rows = t.tg.usefulRows()
	t.idx = make([]int32, 0, len(t.rows))
	n := train.Rows()
	t.scores, t.g, t.h = make([]float64, n), make([]float64, n), make([]float64, n)
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
		trainNDCG := t.tg.lambdas(t.lr, t.scores, t.train.Weight, t.g, t.h, t.workers)
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
		tree := t.grower.grow(t.sampleRows(), t.sampleFeatures())
		t.addTree(tree)
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
	if t.model.quant, err = newQuantTrees(t.model); err != nil {
		return nil, err // cannot happen: the thresholds are at most Bins-1 bin edges
	}
	t.model.importance = make([]float64, t.model.numFeatures)
	for i, n := range t.model.nodes {
		if n.flags&flagLeaf == 0 {
			t.model.importance[n.feat] += t.gains[i]
		}
	}
	return t.model, nil
}

// sampleRows returns this round's rows: those of a RowSample share of the useful groups.
func (t *trainer) sampleRows() []int32 {
	t.idx = t.idx[:0]
	if t.p.RowSample >= 1 {
		return append(t.idx, t.rows...)
	}
	for _, q := range t.tg.useful {
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
func (t *trainer) addTree(tree []growNode) {
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
	cols := t.grower.cols
	parallelChunks(t.workers, len(t.scores), rowChunk, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			t.scores[r] += float64(tree[leafOfBins(tree, cols, r)].val)
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
