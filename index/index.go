// Package index owns vector search over named vector spaces per item (cf, content,
// content_sparse, or any external name). Backends: index/hnsw (embedded, persisted),
// the exact flat and sparse indexes in this package, and index/qdrant. One conformance
// suite (index/indextest) runs against all of them.
package index

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/recd/recd"
	"github.com/recd/recd/cond"
)

// Errors returned by every implementation.
var (
	// ErrDimensionMismatch: a vector's length differs from its space's dimension.
	ErrDimensionMismatch = fmt.Errorf("dimension mismatch: %w", recd.ErrUnprocessable)
	// ErrUnknownSpace: the named vector space does not exist.
	ErrUnknownSpace = fmt.Errorf("unknown vector space: %w", recd.ErrNotFound)
	// ErrBadVector: an empty vector, or one with NaN or Inf values.
	ErrBadVector = fmt.Errorf("bad vector: %w", recd.ErrUnprocessable)
	// ErrBadSpaceName: a space name that is not a plain identifier.
	ErrBadSpaceName = fmt.Errorf("bad vector space name: %w", recd.ErrInvalid)
	// ErrSpaceConflict: CreateSpace with a config that differs from the existing space's.
	ErrSpaceConflict = errors.New("vector space exists with another configuration")
	// ErrClosed: the index was closed (implementations that hold resources are io.Closers).
	ErrClosed = errors.New("vector index closed")
)

// Metric is how vectors of a space are compared. Scores are always "higher is more similar":
// cosine similarity, dot product, or the negated Euclidean distance for L2.
type Metric string

const (
	Cosine Metric = "cosine"
	Dot    Metric = "dot"
	L2     Metric = "l2"
)

// SpaceConfig declares a vector space.
type SpaceConfig struct {
	Name   string `json:"name" yaml:"name"`
	Dim    int    `json:"dim" yaml:"dim"` // ignored for sparse spaces
	Metric Metric `json:"metric" yaml:"metric"`
	Sparse bool   `json:"sparse,omitempty" yaml:"sparse"`
}

var spaceNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,63}$`)

// ValidSpaceName reports whether name is a plain identifier usable as a space name.
func ValidSpaceName(name string) bool { return spaceNameRE.MatchString(name) }

// SparseVector is a sparse vector with strictly increasing indices.
type SparseVector struct {
	Indices []uint32  `json:"indices"`
	Values  []float32 `json:"values"`
}

// Payload is the part of an item that filters look at.
type Payload struct {
	Categories []string       `json:"categories,omitempty"`
	Available  bool           `json:"available"`
	Attributes map[string]any `json:"attributes,omitempty"`
}

// Point is one item's vectors and payload. Upsert replaces the payload and the vectors of the
// spaces it names; vectors in spaces it does not name are kept.
type Point struct {
	ID      string
	Vectors map[string][]float32
	Sparse  map[string]SparseVector
	Payload Payload
}

// Condition is a comparison on one attribute. It is cond.Condition, whose package documents
// the one semantics every index backend applies (list attributes, missing attributes, case,
// numbers and ranges).
type Condition = cond.Condition

// Filter restricts a search. The zero Filter allows everything.
type Filter struct {
	Categories        []string    // any of these (empty: no restriction)
	ExcludeCategories []string    // none of these
	AvailableOnly     bool        // only items with Available true
	Allow             []string    // only these ids (nil: no restriction)
	Deny              []string    // never these ids
	Conditions        []Condition // all must hold
	// Memo, when not nil, is where an index may keep what it derived from the filter (the
	// nodes of a long Deny list) for its next search with the same filter: a request searches
	// several spaces with one filter. The filter must not change while it has a Memo, and
	// searches sharing a Memo must not run at once. An index that keeps nothing ignores it.
	Memo *FilterMemo `json:"-"`
}

// FilterMemo holds what an index derived from a Filter, for its next search with the filter.
// Its Value belongs to the index that set it.
type FilterMemo struct{ Value any }

// SearchRequest is one k-nearest-neighbour query against one space.
type SearchRequest struct {
	Space     string
	Vector    []float32     // dense query (dense spaces)
	Sparse    *SparseVector // sparse query (sparse spaces)
	K         int
	Filter    *Filter
	Threshold *float32 // drop hits scoring below this
	Ef        int      // search breadth for approximate indexes; 0 uses the index default
}

// Hit is one search result.
type Hit struct {
	ID    string  `json:"id"`
	Score float32 `json:"score"`
}

// Index is vector search over named spaces. Implementations are safe for concurrent use:
// searches may run while writes go on.
type Index interface {
	// CreateSpace creates a space; creating an existing space with the same config is a no-op,
	// with another config ErrSpaceConflict.
	CreateSpace(ctx context.Context, cfg SpaceConfig) error
	// Spaces lists the spaces with their configuration and size.
	Spaces(ctx context.Context) ([]SpaceInfo, error)
	// Upsert writes points; every vector is checked (space exists, dimension, finite values)
	// before any is written, so a rejected call changes nothing.
	Upsert(ctx context.Context, points []Point) error
	// Delete removes points from every space; unknown ids are ignored.
	Delete(ctx context.Context, ids []string) error
	// Search returns up to K hits, best first.
	Search(ctx context.Context, req SearchRequest) ([]Hit, error)
	// Vectors returns the dense vectors of the given ids in one space (missing ids are absent).
	Vectors(ctx context.Context, space string, ids []string) (map[string][]float32, error)
}

// IDSharer is implemented by indexes that keep their items' ids as Go strings in the caller's
// process: ShareIDs makes the index keep, for each stored id equal to one of ids, the
// caller's string instead (equal bytes, one copy), so that the caller's map lookups by the
// ids of hits, and the index's by the ids of filters, match keys by pointer.
type IDSharer interface {
	ShareIDs(ids []string)
}

// SpaceInfo describes a space and how many vectors it holds.
type SpaceInfo struct {
	SpaceConfig
	Count int `json:"count"`
}

// Snapshotter is implemented by indexes that persist themselves to disk.
type Snapshotter interface {
	// Save writes the index atomically (write to a temporary file, fsync, rename).
	// seq is the store's vector-log sequence the snapshot includes.
	Save(seq int64) error
	// LoadedSeq returns the sequence of the snapshot loaded at open (0 if none).
	LoadedSeq() int64
}
