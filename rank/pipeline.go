package rank

import (
	"context"
	"sync"
	"sync/atomic"

	lru "github.com/hashicorp/golang-lru/v2/simplelru"

	"github.com/recd/recd/index"
	"github.com/recd/recd/model"
)

// Pipeline ranks items for requests against one Models snapshot, the live catalog and the
// vector index. Its fields are set by NewPipeline and not changed after; the lazily built
// content vectors, content neighbours and unit CF factors are guarded by their own mutex,
// atomic or sync.Once, and the scratch buffers are pooled. Safe for concurrent use.
type Pipeline struct {
	M        *Models
	Catalog  Catalog
	Index    index.Index // nil turns the vector sources off
	Exposure *Exposure   // nil turns the amortised exposure mode off
	Opts     Options
	info     catalogInfo
	scratch  sync.Pool                   // []float32 of len(M.Items)
	sparse   sync.Pool                   // []float32 of len(M.Items), all 0
	marks    sync.Pool                   // []bool of len(M.Items), all false
	ranks    sync.Pool                   // []int32 of len(M.Items), all 0
	touched  sync.Pool                   // []int32 of length 0: the items a scoring touched
	vecs     atomic.Pointer[contentVecs] // nil until first needed; see ContentChanged
	vecsMu   sync.Mutex                  // serialises building vecs
	vecsGen  atomic.Uint64               // bumped by ContentChanged
	nbMu     sync.Mutex                  // guards nb
	nb       *lru.LRU[string, contentNb] // items' content neighbours (contentNeighbours); nil until first needed
	cfOnce   sync.Once                   // builds cfUnit
	cfUnit   model.Factors               // unit-length ALS item factors; Rows 0 without ALS
	noHead   bool                        // tests: rank every request the long way
	headRuns atomic.Int64                // tests: requests the head shortcut ranked
}

// NewPipeline returns a pipeline over m.
func NewPipeline(m *Models, c Catalog, idx index.Index, exp *Exposure, opts Options) *Pipeline {
	p := &Pipeline{M: m, Catalog: c, Index: idx, Exposure: exp, Opts: opts, info: catalogInfo{c}}
	n := len(m.Items)
	p.scratch.New = func() any { s := make([]float32, n); return &s }
	p.sparse.New = func() any { s := make([]float32, n); return &s }
	p.marks.New = func() any { s := make([]bool, n); return &s }
	p.ranks.New = func() any { s := make([]int32, n); return &s }
	p.touched.New = func() any { s := make([]int32, 0, 1024); return &s }
	return p
}

// stage is one step of Recommend. It reads and updates the request's state, works on the
// whole pool at once (never one call per candidate), and checks ctx in its long loops so
// that a cancelled request stops working quickly.
type stage interface {
	run(ctx context.Context, r *request) error
}

// stages is the pipeline, in order. A new re-ranker is one type and one line here; a new
// scorer replaces WeightedBlend.
var stages = []stage{
	sourcesStage{},                      // candidate sources (stage_sources.go)
	scoreStage{scorer: WeightedBlend{}}, // one scored candidate per item (scorer.go, scorer_head.go)
	filterStage{},                       // business rules, availability, seen items (stage_filter.go)
	sessionBoostStage{},                 // towards the session's recent items (stage_rerank.go)
	exposureStage{},                     // amortised exposure fairness
	rotationStage{},                     // items shown without interaction sink (rotation.go)
	diversifyStage{},                    // MMR and calibration in one greedy pass
	longTailStage{},                     // the long tail's share of the list
	explainStage{},                      // the list, its reasons, the impressions (stage_explain.go)
}

// Recommend runs the pipeline for one request: the cold-start policy chooses the strategy
// (newRequest), then each stage runs in turn. It returns ctx's error once ctx is done.
func (p *Pipeline) Recommend(ctx context.Context, req Request) (Response, error) {
	r := p.newRequest(&req)
	defer r.release()
	for _, s := range stages {
		if err := ctx.Err(); err != nil {
			return r.resp, err
		}
		if err := s.run(ctx, r); err != nil {
			return r.resp, err
		}
	}
	return r.resp, nil
}
