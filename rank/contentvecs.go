package rank

import (
	"context"
	"math"
)

// contentVecs holds the normalised content vectors of a model's items by item index, so
// that a request's similarity needs no index read and no normalisation per candidate.
// Immutable once built.
type contentVecs struct {
	dim int
	buf []float32 // row i at i*dim; rows of items without a vector are zero
	has []bool
}

func (cv *contentVecs) row(i int32) []float32 {
	if int(i) >= len(cv.has) || !cv.has[i] {
		return nil
	}
	o := int(i) * cv.dim
	return cv.buf[o : o+cv.dim : o+cv.dim]
}

// contentVectors returns the model items' content vectors, reading them from the index on
// first use after the pipeline was built or ContentChanged was called; nil when the index
// has none.
func (p *Pipeline) contentVectors(ctx context.Context) *contentVecs {
	if cv := p.vecs.Load(); cv != nil {
		return cv
	}
	p.vecsMu.Lock()
	defer p.vecsMu.Unlock()
	if cv := p.vecs.Load(); cv != nil {
		return cv
	}
	gen := p.vecsGen.Load()
	vecs, err := p.Index.Vectors(ctx, SpaceContent, p.M.Items)
	if err != nil || len(vecs) == 0 {
		return nil
	}
	dim := commonDim(vecs)
	if dim == 0 {
		return nil
	}
	cv := &contentVecs{dim: dim, buf: make([]float32, dim*len(p.M.Items)), has: make([]bool, len(p.M.Items))}
	for i, id := range p.M.Items {
		if v, ok := vecs[id]; ok && normaliseInto(cv.buf[i*dim:(i+1)*dim], v) {
			cv.has[i] = true
		}
	}
	if p.vecsGen.Load() == gen { // no change while reading: keep it
		p.vecs.Store(cv)
	}
	return cv
}

// ContentChanged drops the pipeline's copy of the content vectors; the next request that
// needs them reads them again. Call it after items' content vectors were written or
// deleted. Safe for concurrent use.
func (p *Pipeline) ContentChanged() {
	p.vecsGen.Add(1)
	p.vecs.Store(nil)
	p.nbMu.Lock()
	p.nb = nil // the items' content neighbours too
	p.nbMu.Unlock()
}

// normaliseInto writes v / |v| into dst (of v's length) and reports whether v has a
// finite, non-zero norm.
func normaliseInto(dst, v []float32) bool {
	if len(v) != len(dst) {
		return false
	}
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	if n == 0 || math.IsNaN(n) || math.IsInf(n, 0) {
		return false
	}
	inv := float32(1 / math.Sqrt(n))
	for k, x := range v {
		dst[k] = x * inv
	}
	return true
}

// similarity is the cosine of the content vectors of the candidates and recent items,
// and an upper bound of the mean similarity of any item to the recent items (the norm of
// the recent items' mean unit vector, by Cauchy-Schwarz; 1 when unknown). The returned
// function is for this request only (it remembers its lookups), not for concurrent use.
func (p *Pipeline) similarity(ctx context.Context, cands []Candidate, recent []string) (Similarity, float64) {
	if p.Index == nil {
		return nil, 1
	}
	cv := p.contentVectors(ctx)
	if cv == nil {
		return p.similarityFromIndex(ctx, cands, recent), 1
	}
	var extra map[string][]float32 // items outside the model (added since training)
	rowOf := func(id string) []float32 {
		if i, ok := p.M.ItemIndex[id]; ok {
			return cv.row(i)
		}
		if v, ok := extra[id]; ok {
			return v
		}
		if extra == nil {
			extra = map[string][]float32{}
		}
		extra[id] = nil
		if vecs, err := p.Index.Vectors(ctx, SpaceContent, []string{id}); err == nil {
			if v, ok := vecs[id]; ok {
				dst := make([]float32, cv.dim)
				if normaliseInto(dst, v) {
					extra[id] = dst
				}
			}
		}
		return extra[id]
	}
	recentRows := make([][]float32, len(recent))
	mean := make([]float64, cv.dim)
	for j, id := range recent {
		recentRows[j] = rowOf(id)
		for k, x := range recentRows[j] {
			mean[k] += float64(x)
		}
	}
	bound := 1.0
	if len(recent) > 0 {
		var n float64
		for _, x := range mean {
			n += x * x
		}
		// float32 dot products round: a margin keeps the bound an upper bound.
		bound = min(1, math.Sqrt(n)/float64(len(recent))+1e-3)
	}
	lastA, rowA := "", []float32(nil)
	return func(a, b string) float64 {
		if a != lastA || rowA == nil {
			lastA, rowA = a, rowOf(a)
		}
		var y []float32
		found := false
		for j, id := range recent {
			if id == b {
				y, found = recentRows[j], true
				break
			}
		}
		if !found {
			y = rowOf(b)
		}
		x := rowA
		if x == nil || y == nil {
			return 0
		}
		var s float32
		for k := range x {
			s += x[k] * y[k]
		}
		return float64(s)
	}, bound
}

// similarityFromIndex reads the candidates' and recent items' content vectors from the
// index for one request.
func (p *Pipeline) similarityFromIndex(ctx context.Context, cands []Candidate, recent []string) Similarity {
	ids := make([]string, 0, len(cands)+len(recent))
	for _, c := range cands {
		ids = append(ids, c.ID)
	}
	ids = append(ids, recent...)
	vecs, err := p.Index.Vectors(ctx, SpaceContent, ids)
	if err != nil || len(vecs) == 0 {
		return nil
	}
	return CosineSimilarity(vecs)
}
