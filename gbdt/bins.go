package gbdt

import (
	"slices"
)

// binSampleRows is the most rows whose values fix a feature's bin edges; beyond it every k-th
// row is used, so the edges cost the same on any number of rows.
const binSampleRows = 200000

// binner holds the per-feature bin edges, computed once from the training set. Bin 0 holds the
// missing values; value v goes to bin 1 + (the first i with v <= edges[i]), so bins 1..s hold
// exactly the values v <= edges[s-1], and a split "bins <= s" is the threshold edges[s-1].
type binner struct {
	edges [][]float32
}

// fitBins computes at most maxBins value bins per feature from quantiles of its values.
func fitBins(d *Dataset, maxBins, workers int) *binner {
	b := &binner{edges: make([][]float32, d.NumFeatures)}
	rows := d.Rows()
	step := 1
	if rows > binSampleRows {
		step = (rows + binSampleRows - 1) / binSampleRows
	}
	parallelFor(workers, d.NumFeatures, func(f int) {
		vals := make([]float32, 0, rows/step+1)
		for r := 0; r < rows; r += step {
			if v := d.X[r*d.NumFeatures+f]; v == v {
				vals = append(vals, v)
			}
		}
		b.edges[f] = quantileEdges(vals, maxBins)
	})
	return b
}

// quantileEdges sorts vals and returns at most maxBins-1 increasing edges below the maximum.
func quantileEdges(vals []float32, maxBins int) []float32 {
	if len(vals) == 0 {
		return nil
	}
	slices.Sort(vals)
	distinct := slices.Compact(slices.Clone(vals))
	if len(distinct) <= maxBins {
		return distinct[:len(distinct)-1]
	}
	top := vals[len(vals)-1]
	edges := make([]float32, 0, maxBins-1)
	for q := 1; q < maxBins; q++ {
		e := vals[q*len(vals)/maxBins]
		if e < top && (len(edges) == 0 || e > edges[len(edges)-1]) {
			edges = append(edges, e)
		}
	}
	return edges
}

// numBins is the number of bins of feature f, the missing bin included.
func (b *binner) numBins(f int) int { return len(b.edges[f]) + 2 }

// bin maps a value of feature f to its bin.
func (b *binner) bin(f int, v float32) uint8 {
	if v != v {
		return 0
	}
	e := b.edges[f]
	lo, hi := 0, len(e)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if v <= e[m] {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return uint8(lo + 1)
}

// columns quantises the data set into one column of bins per feature.
func (b *binner) columns(d *Dataset, workers int) [][]uint8 {
	rows := d.Rows()
	cols := make([][]uint8, d.NumFeatures)
	parallelFor(workers, d.NumFeatures, func(f int) {
		col := make([]uint8, rows)
		for r := range col {
			col[r] = b.bin(f, d.X[r*d.NumFeatures+f])
		}
		cols[f] = col
	})
	return cols
}
