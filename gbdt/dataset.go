package gbdt

import (
	"fmt"
	"math"
)

// MaxLabel is the highest relevance grade; the gain of a grade g is 2^g - 1.
const MaxLabel = 31

// MaxFeatures is the most features a data set or model may have.
const MaxFeatures = 65535

// Dataset is a set of query groups: the rows of one group are the candidates of one user or
// session, in consecutive rows. It is read, never changed, by training.
type Dataset struct {
	NumFeatures int
	X           []float32 // row-major, len = rows*NumFeatures; NaN = missing
	Label       []float32 // relevance grade per row (0 = not relevant), 0..MaxLabel
	Group       []int     // sizes of consecutive query groups; sum = rows
	// Weight is an optional per-row weight, nil meaning 1 for every row. A pair of rows with
	// different grades is weighted by the weight of the more relevant row, so an inverse
	// propensity weight on a click weighs every pair that click wins.
	Weight []float32
	// Names optionally names the features (len NumFeatures); the model keeps them, so a loader
	// can refuse a model trained on another feature set.
	Names []string
}

// Rows is the number of rows.
func (d *Dataset) Rows() int { return len(d.Label) }

// validate checks the shapes and values; what says which data set ("train", "valid").
func (d *Dataset) validate(what string) error {
	if d == nil {
		return fmt.Errorf("%w: %s: no data set", ErrInvalid, what)
	}
	if d.NumFeatures < 1 || d.NumFeatures > MaxFeatures {
		return fmt.Errorf("%w: %s.NumFeatures %d not in [1, %d]", ErrInvalid, what, d.NumFeatures, MaxFeatures)
	}
	rows := len(d.Label)
	if rows == 0 {
		return fmt.Errorf("%w: %s.Label is empty", ErrInvalid, what)
	}
	if len(d.X) != rows*d.NumFeatures {
		return fmt.Errorf("%w: %s.X has %d values, want rows*NumFeatures = %d", ErrInvalid, what, len(d.X), rows*d.NumFeatures)
	}
	sum := 0
	for i, g := range d.Group {
		if g < 1 {
			return fmt.Errorf("%w: %s.Group[%d] = %d, want >= 1", ErrInvalid, what, i, g)
		}
		sum += g
		if sum > rows {
			break
		}
	}
	if sum != rows {
		return fmt.Errorf("%w: %s.Group sizes do not sum to the %d rows", ErrInvalid, what, rows)
	}
	for i, l := range d.Label {
		if !(l >= 0 && l <= MaxLabel) {
			return fmt.Errorf("%w: %s.Label[%d] = %v not in [0, %d]", ErrInvalid, what, i, l, MaxLabel)
		}
	}
	if d.Weight != nil {
		if len(d.Weight) != rows {
			return fmt.Errorf("%w: %s.Weight has %d values, want %d", ErrInvalid, what, len(d.Weight), rows)
		}
		for i, w := range d.Weight {
			if !(w >= 0 && !math.IsInf(float64(w), 1)) {
				return fmt.Errorf("%w: %s.Weight[%d] = %v, want a finite number >= 0", ErrInvalid, what, i, w)
			}
		}
	}
	if d.Names != nil && len(d.Names) != d.NumFeatures {
		return fmt.Errorf("%w: %s.Names has %d names, want NumFeatures = %d", ErrInvalid, what, len(d.Names), d.NumFeatures)
	}
	for i, s := range d.Names {
		if len(s) > maxNameBytes {
			return fmt.Errorf("%w: %s.Names[%d] is longer than %d bytes", ErrInvalid, what, i, maxNameBytes)
		}
	}
	return nil
}

// offsets returns the first row of every group and, last, the number of rows.
func (d *Dataset) offsets() []int {
	off := make([]int, len(d.Group)+1)
	for i, g := range d.Group {
		off[i+1] = off[i] + g
	}
	return off
}

func (d *Dataset) weight(r int) float64 {
	if d.Weight == nil {
		return 1
	}
	return float64(d.Weight[r])
}
