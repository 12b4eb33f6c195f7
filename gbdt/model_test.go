package gbdt

import (
	"context"
	"math"
	"slices"
	"testing"
)

// walkFloats is the trees' rule read directly from the stored nodes: value <= threshold goes
// left, a NaN goes where the node says. Prediction's quantised walk must agree with it.
func walkFloats(m *Model, row []float32) float64 {
	s := 0.0
	for _, i := range m.roots {
		for m.nodes[i].flags&flagLeaf == 0 {
			n := m.nodes[i]
			v := row[n.feat]
			if v <= n.thr || (v != v && n.flags&flagMissLeft != 0) {
				i = n.kids
			} else {
				i = n.kids + 1
			}
		}
		s += float64(m.nodes[i].val)
	}
	return s
}

// TestModel_PredictRowsMatchesTheTrees scores rows holding missing values, infinities and
// values exactly at thresholds, in batches that are and are not a multiple of the lane count,
// and compares PredictRows, Predict and the nodes read as floats with ==.
func TestModel_PredictRowsMatchesTheTrees(t *testing.T) {
	train := synth(1, 100, 30, 6, 0.3)
	for _, depth := range []int{1, 6, maxTreeDepth} {
		p := testParams()
		p.Trees, p.MaxDepth, p.MaxLeaves, p.MinLeafRows = 25, depth, 200, 2
		m, err := TrainLambdaMART(context.Background(), train, nil, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := slices.Max(m.heap.depth); got != uint8(depth) {
			t.Fatalf("MaxDepth %d grew trees %d deep", depth, got)
		}
		checkPredictions(t, m, train)
	}
}

func checkPredictions(t *testing.T, m *Model, train *Dataset) {
	var X []float32
	X = append(X, train.X[:50*6]...)
	for _, n := range m.nodes[:40] {
		if n.flags&flagLeaf == 0 {
			row := make([]float32, 6)
			copy(row, train.X[6:12])
			row[n.feat] = n.thr
			X = append(X, row...)
			row[n.feat] = math.Nextafter32(n.thr, float32(math.Inf(1)))
			X = append(X, row...)
		}
	}
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	X = append(X, nan, nan, nan, nan, nan, nan, inf, -inf, inf, -inf, nan, 0)
	rows := len(X) / 6
	// The rows without a missing value, alone: the dense walk (predictDense) scores them.
	var dense []float32
	for r := range rows {
		if row := X[r*6 : r*6+6]; !slices.ContainsFunc(row, func(v float32) bool { return v != v }) {
			dense = append(dense, row...)
		}
	}
	for _, b := range [][]float32{X, dense} {
		checkBatches(t, m, b)
	}
}

func checkBatches(t *testing.T, m *Model, X []float32) {
	rows := len(X) / 6
	for _, n := range []int{rows, 17, 8, 7, 1} {
		out := make([]float64, n)
		m.PredictRows(X[:n*6], out)
		for r := range out {
			row := X[r*6 : r*6+6]
			if want := walkFloats(m, row); out[r] != want || m.Predict(row) != want {
				t.Fatalf("batch of %d, row %d %v: PredictRows %v, Predict %v, the trees %v", n, r, row, out[r], m.Predict(row), want)
			}
		}
	}
}

// TestHeapTrees_WalksAgree scores dense rows (values at and just above every threshold among
// them) with the assembly walk and the Go walk, for trees of depth 0 to maxTreeDepth and row
// counts around a group of eight, and requires the same bits; both start from a non-zero sum.
// Depth 0 is a model of single-leaf trees.
func TestHeapTrees_WalksAgree(t *testing.T) {
	if !useWalkAsm {
		t.Skip("no assembly walk on this architecture or under purego")
	}
	train := synth(3, 120, 30, 6, 0.3)
	for _, depth := range []int{0, 1, 3, 6, maxTreeDepth} {
		p := testParams()
		p.Trees, p.MaxDepth, p.MaxLeaves, p.MinLeafRows = 20, max(depth, 1), 300, 2
		if depth == 0 { // no leaf may hold so few rows: every tree is its root
			p.MinLeafRows = len(train.Label)
		}
		m, err := TrainLambdaMART(context.Background(), train, nil, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := slices.Max(m.heap.depth); got != uint8(depth) {
			t.Fatalf("trees %d deep, want %d", got, depth)
		}
		X := slices.Clone(train.X[:200*6])
		for f, v := range X {
			if v != v { // dense rows only
				X[f] = 0.5
			}
		}
		for k, n := range m.nodes {
			if n.flags&flagLeaf == 0 && 2*k+1 < 200 {
				X[(2*k)*6+int(n.feat)] = n.thr
				X[(2*k+1)*6+int(n.feat)] = math.Nextafter32(n.thr, float32(math.Inf(1)))
			}
		}
		for _, n := range []int{16, 17, 23, 24, 200} {
			want := make([]float64, n)
			got := make([]float64, n)
			for r := range n {
				want[r], got[r] = float64(r)/7, float64(r)/7
			}
			m.heap.predictDenseGo(X[:n*6], 6, want)
			m.heap.predictGroups(X[:n*6], 6, got)
			for r := range n {
				if math.Float64bits(got[r]) != math.Float64bits(want[r]) {
					t.Fatalf("depth %d, %d rows, row %d: assembly %v, Go %v", depth, n, r, got[r], want[r])
				}
			}
			if n == 200 && depth > 0 {
				same := true
				for r := range n {
					same = same && got[r]-float64(r)/7 == got[0]
				}
				if same {
					t.Fatal("every row took the same leaves")
				}
			}
		}
	}
}
