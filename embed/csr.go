package embed

import (
	"github.com/recd/recd"
	"gonum.org/v1/gonum/mat"
)

// csr is the item×term TF-IDF matrix in compressed sparse rows.
type csr struct {
	cols   int
	rowPtr []int
	colIdx []int
	vals   []float64
}

func newCSR(t *TFIDF, items []recd.Item) *csr {
	a := &csr{cols: t.Dim(), rowPtr: make([]int, 1, len(items)+1)}
	for _, it := range items {
		sv := t.Transform(it)
		for p, j := range sv.Indices {
			a.colIdx = append(a.colIdx, int(j))
			a.vals = append(a.vals, float64(sv.Values[p]))
		}
		a.rowPtr = append(a.rowPtr, len(a.colIdx))
	}
	return a
}

func (a *csr) rows() int { return len(a.rowPtr) - 1 }
func (a *csr) nnz() int  { return len(a.vals) }

// mul sets dst (rows×l) = A·m (m is cols×l).
func (a *csr) mul(dst, m *mat.Dense) {
	d, s := dst.RawMatrix(), m.RawMatrix()
	l := d.Cols
	clear(d.Data)
	for i := range a.rows() {
		out := d.Data[i*d.Stride : i*d.Stride+l]
		for p := a.rowPtr[i]; p < a.rowPtr[i+1]; p++ {
			w, row := a.vals[p], s.Data[a.colIdx[p]*s.Stride:a.colIdx[p]*s.Stride+l]
			for c, x := range row {
				out[c] += w * x
			}
		}
	}
}

// mulT sets dst (cols×l) = Aᵀ·m (m is rows×l).
func (a *csr) mulT(dst, m *mat.Dense) {
	d, s := dst.RawMatrix(), m.RawMatrix()
	l := d.Cols
	clear(d.Data)
	for i := range a.rows() {
		in := s.Data[i*s.Stride : i*s.Stride+l]
		for p := a.rowPtr[i]; p < a.rowPtr[i+1]; p++ {
			w, out := a.vals[p], d.Data[a.colIdx[p]*d.Stride:a.colIdx[p]*d.Stride+l]
			for c, x := range in {
				out[c] += w * x
			}
		}
	}
}
