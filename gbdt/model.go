package gbdt

import "slices"

// Node flags.
const (
	flagLeaf     = 1 << 0 // the node is a leaf: val is its value
	flagMissLeft = 1 << 1 // a missing (NaN) value goes to the left child
	knownFlags   = flagLeaf | flagMissLeft
)

// node is one node of a tree in the model's flat array: no pointers, children by index. An
// inner node sends row[feat] <= thr to nodes[kids] and the rest to nodes[kids+1]; a NaN goes
// left when flagMissLeft is set. val is the node's shrunk value: a leaf's output, or for an inner
// node the value it would have as a leaf, which the contributions use.
type node struct {
	feat  uint16
	flags uint8
	_     uint8
	thr   float32
	kids  int32
	val   float32
}

// Model is a trained ensemble of regression trees whose summed outputs score a row; higher is
// more relevant. It is immutable after training or decoding and safe for concurrent use.
type Model struct {
	numFeatures int
	ndcgAt      int
	names       []string
	nodes       []node  // every tree's nodes, tree after tree; a parent precedes its children
	roots       []int32 // the first node of every tree
	importance  []float64
	curve       []float64
	heap        heapTrees // derived from nodes and roots, for prediction
}

// NumFeatures is the number of values a row must have.
func (m *Model) NumFeatures() int { return m.numFeatures }

// NumTrees is the number of trees the model kept.
func (m *Model) NumTrees() int { return len(m.roots) }

// NDCGAt is the k of the NDCG@k the model was trained for.
func (m *Model) NDCGAt() int { return m.ndcgAt }

// FeatureNames returns the training set's feature names, nil when it had none.
func (m *Model) FeatureNames() []string { return slices.Clone(m.names) }

// Importance returns the total split gain of every feature over the kept trees.
func (m *Model) Importance() []float64 { return slices.Clone(m.importance) }

// Curve returns the validation NDCG@k after each round (the learning curve), the rounds after
// the best one included; without a validation set, the training NDCG@k.
func (m *Model) Curve() []float64 { return slices.Clone(m.curve) }

// Predict scores one row of NumFeatures values (NaN = missing); a shorter row panics.
func (m *Model) Predict(row []float32) float64 {
	var out [1]float64
	m.PredictRows(row[:m.numFeatures], out[:])
	return out[0]
}

// PredictRows scores len(out) rows of X (row-major, NumFeatures values a row) into out; X
// must hold at least len(out)*NumFeatures values, else it panics. It gives the same scores as
// Predict, and evaluates the trees one at a time over all the rows, so scoring a request's
// candidates together is much faster than one Predict each.
func (m *Model) PredictRows(X []float32, out []float64) {
	nf := m.numFeatures
	X = X[:len(out)*nf]
	clear(out)
	m.heap.predict(X, nf, out)
}

// Contributions splits the score of row into a bias and one part per feature (Saabas): along
// each tree's path, the change of the node value at a split is credited to the split's
// feature. out must have NumFeatures values; it returns the bias, the sum of the roots' values,
// and bias + sum(out) equals Predict(row) up to rounding.
func (m *Model) Contributions(row []float32, out []float64) float64 {
	row = row[:m.numFeatures]
	out = out[:m.numFeatures]
	clear(out)
	bias := 0.0
	for _, root := range m.roots {
		i := root
		bias += float64(m.nodes[i].val)
		for m.nodes[i].flags&flagLeaf == 0 {
			n := &m.nodes[i]
			next := n.kids + 1
			if goesLeft(row[n.feat], n.thr, n.flags) {
				next = n.kids
			}
			out[n.feat] += float64(m.nodes[next].val) - float64(n.val)
			i = next
		}
	}
	return bias
}

// treeSpan returns the nodes of tree t: [root, end).
func (m *Model) treeSpan(t int) (root, end int32) {
	end = int32(len(m.nodes))
	if t+1 < len(m.roots) {
		end = m.roots[t+1]
	}
	return m.roots[t], end
}
