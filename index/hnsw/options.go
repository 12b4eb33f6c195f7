package hnsw

import (
	"fmt"
	"runtime"

	"github.com/recd/recd"
)

// Options tune the graph. Zero fields are not defaults: start from DefaultOptions.
type Options struct {
	// M is the number of links a node keeps on the upper layers; level 0 keeps 2*M.
	M int
	// EfConstruction is the candidate-list size while inserting (larger: better graph, slower build).
	EfConstruction int
	// EfSearch is the default candidate-list size of a search (SearchRequest.Ef overrides it);
	// it is raised to K when K is larger.
	EfSearch int
	// Seed seeds the level generator, so a serial build is reproducible.
	Seed uint64
	// ExactBelow: a filtered search whose allowed set is estimated at no more than this many
	// vectors scans them exactly instead of walking the graph.
	ExactBelow int
	// ExactFraction: a filtered search also scans exactly when the estimated allowed fraction
	// of the space is below this (0..1).
	ExactFraction float64
	// Workers is the number of goroutines inserting a batch in parallel; 0 means GOMAXPROCS.
	Workers int
	// CompactMin: once a space holds more than this many deleted or replaced nodes, and more
	// of them than live ones, its graph is rebuilt from the live vectors.
	CompactMin int
}

// DefaultOptions returns M=16, EfConstruction=200, EfSearch=96 (recall@10 >= 0.95 on the
// ANN harness' 100k set), ExactBelow=2000, ExactFraction=0.01, Workers=GOMAXPROCS.
func DefaultOptions() Options {
	return Options{
		M:              16,
		EfConstruction: 200,
		EfSearch:       96,
		Seed:           1,
		ExactBelow:     2000,
		ExactFraction:  0.01,
		Workers:        0,
		CompactMin:     10000,
	}
}

// Validate checks the options' ranges.
func (o Options) Validate() error {
	switch {
	case o.M < 2 || o.M > 128:
		return recd.Invalid("m", fmt.Sprintf("M must be in 2..128, got %d", o.M))
	case o.EfConstruction < 1 || o.EfConstruction > 10000:
		return recd.Invalid("ef_construction", fmt.Sprintf("must be in 1..10000, got %d", o.EfConstruction))
	case o.EfSearch < 1 || o.EfSearch > 100000:
		return recd.Invalid("ef_search", fmt.Sprintf("must be in 1..100000, got %d", o.EfSearch))
	case o.ExactBelow < 0:
		return recd.Invalid("exact_below", "must not be negative")
	case o.ExactFraction < 0 || o.ExactFraction > 1:
		return recd.Invalid("exact_fraction", "must be in 0..1")
	case o.Workers < 0:
		return recd.Invalid("workers", "must not be negative")
	case o.CompactMin < 0:
		return recd.Invalid("compact_min", "must not be negative")
	}
	return nil
}

func (o Options) workers() int {
	if o.Workers > 0 {
		return o.Workers
	}
	return runtime.GOMAXPROCS(0)
}
