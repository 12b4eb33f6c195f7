package gbdt

import "math"

// groupChunk is how many query groups one parallel task handles.
const groupChunk = 32

// groupSet is what the trainer knows of a data set's query groups.
type groupSet struct {
	off     []int     // first row of every group, then the number of rows
	gain    []float64 // every row's gain
	ideal   []float64 // every group's ideal DCG@k; 0 when no row is relevant
	useful  []int     // groups with rows of different grades: only they have a gradient
	perfect int       // groups whose rows are all relevant alike: NDCG 1 whatever the order
	rated   int       // groups with a relevant row, over which NDCG@k is averaged
	ndcg    []float64 // scratch: NDCG@k of every useful (train) or rated (valid) group
}

func newGroupSet(d *Dataset, lr *lambdaRank) *groupSet {
	gs := &groupSet{off: d.offsets(), gain: gains(d.Label), ideal: make([]float64, len(d.Group))}
	for q := range d.Group {
		lo, hi := gs.off[q], gs.off[q+1]
		gs.ideal[q] = lr.idealDCG(gs.gain[lo:hi])
		if gs.ideal[q] == 0 {
			continue
		}
		gs.rated++
		if allEqual(gs.gain[lo:hi]) {
			gs.perfect++
		} else {
			gs.useful = append(gs.useful, q)
		}
	}
	gs.ndcg = make([]float64, len(d.Group))
	return gs
}

// maxSize is the size of the largest of the groups [a, b).
func (gs *groupSet) maxSize(a, b int) int {
	size := 0
	for q := a; q < b; q++ {
		size = max(size, gs.off[q+1]-gs.off[q])
	}
	return size
}

func allEqual(v []float64) bool {
	for _, x := range v[1:] {
		if x != v[0] {
			return false
		}
	}
	return true
}

// lambdas sets the gradient and hessian of every row of the useful groups under scores and
// returns the mean NDCG@k over the rated groups.
func (gs *groupSet) lambdas(lr *lambdaRank, scores []float64, weight []float32, g, h []float64, workers int) float64 {
	parallelChunks(workers, len(gs.useful), groupChunk, func(a, b int) {
		size := 0
		for _, q := range gs.useful[a:b] {
			size = max(size, gs.off[q+1]-gs.off[q])
		}
		order, ex := make([]rankKey, size), make([]float64, size) // scratch for this chunk's groups
		for _, q := range gs.useful[a:b] {
			lo, hi := gs.off[q], gs.off[q+1]
			var w []float32
			if weight != nil {
				w = weight[lo:hi]
			}
			gs.ndcg[q] = lr.lambdas(scores[lo:hi], gs.gain[lo:hi], w, gs.ideal[q], order[:hi-lo], ex[:hi-lo], g[lo:hi], h[lo:hi])
		}
	})
	sum := float64(gs.perfect)
	for _, q := range gs.useful {
		sum += gs.ndcg[q]
	}
	return sum / float64(gs.rated)
}

// meanNDCG returns the mean NDCG@k under scores over the rated groups.
func (gs *groupSet) meanNDCG(lr *lambdaRank, scores []float64, workers int) float64 {
	n := len(gs.ideal)
	parallelChunks(workers, n, groupChunk, func(a, b int) {
		order := make([]rankKey, gs.maxSize(a, b))
		for q := a; q < b; q++ {
			lo, hi := gs.off[q], gs.off[q+1]
			if gs.ideal[q] > 0 {
				gs.ndcg[q] = lr.ndcg(scores[lo:hi], gs.gain[lo:hi], gs.ideal[q], order[:hi-lo])
			}
		}
	})
	sum := 0.0
	for q := range n {
		if gs.ideal[q] > 0 {
			sum += gs.ndcg[q]
		}
	}
	if gs.rated == 0 {
		return math.NaN()
	}
	return sum / float64(gs.rated)
}

// rowsOf lists the rows of the given groups (ascending), ascending.
func (gs *groupSet) rowsOf(groups []int) []int32 {
	var rows []int32
	for _, q := range groups {
		for r := gs.off[q]; r < gs.off[q+1]; r++ {
			rows = append(rows, int32(r))
		}
	}
	return rows
}
