package qdranttest

import (
	"context"
	"math"

	"github.com/qdrant/go-client/qdrant"

	"github.com/recd/recd/index"
)

// Query answers nearest-neighbour (dense or sparse) and recommend queries exactly, with filter, score
// threshold, limit and offset. Euclid scores are distances, lower first, as in Qdrant.
func (p *qdrantPoints) Query(_ context.Context, req *qdrant.QueryPoints) (*qdrant.QueryResponse, error) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	c, err := p.s.col(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	if len(req.GetPrefetch()) > 0 || req.GetLookupFrom() != nil {
		return nil, unimplemented("prefetch and lookup_from")
	}
	name := req.GetUsing()
	v, exclude, err := c.queryVector(name, req.GetQuery())
	if err != nil {
		return nil, err
	}
	if err := c.checkVector(name, v); err != nil {
		return nil, err
	}
	limit := uint64(10)
	if req.Limit != nil {
		limit = req.GetLimit()
	}
	k := int(min(limit+req.GetOffset(), index.MaxK))
	if k == 0 {
		return &qdrant.QueryResponse{}, nil
	}
	sr, err := c.searchRequest(name, k, v, req.GetFilter(), exclude)
	if err != nil {
		return nil, err
	}
	if sr.Sparse != nil && len(sr.Sparse.Indices) == 0 {
		return &qdrant.QueryResponse{}, nil
	}
	hits, err := c.flat.Search(context.Background(), sr)
	if err != nil {
		return nil, badInput("%v", err)
	}
	return c.scoredPoints(req, hits, sr.Sparse == nil && c.dense[name].GetDistance() == qdrant.Distance_Euclid)
}

// queryVector returns the query vector of a nearest or recommend query and, for recommend,
// the example ids to leave out of the results.
func (c *collection) queryVector(name string, q *qdrant.Query) (vectorValue, map[string]bool, error) {
	switch q := q.GetVariant().(type) {
	case *qdrant.Query_Nearest:
		switch x := q.Nearest.GetVariant().(type) {
		case *qdrant.VectorInput_Dense:
			return vectorValue{dense: x.Dense.GetData()}, nil, nil
		case *qdrant.VectorInput_Sparse:
			v, err := sparseValue(x.Sparse.GetIndices(), x.Sparse.GetValues())
			return v, nil, err
		}
		return vectorValue{}, nil, unimplemented("nearest inputs other than dense and sparse vectors")
	case *qdrant.Query_Recommend:
		return c.recommendVector(name, q.Recommend)
	}
	return vectorValue{}, nil, unimplemented("query variants other than nearest and recommend (MMR, fusion, ...)")
}

// searchRequest builds the exact search that answers a query: the filter is evaluated here,
// with the double's reading of Qdrant's filters, and handed to the flat index as an allow
// list without the excluded ids.
func (c *collection) searchRequest(name string, k int, v vectorValue, f *qdrant.Filter, exclude map[string]bool) (index.SearchRequest, error) {
	sr := index.SearchRequest{Space: c.space[name], K: k}
	if f != nil || len(exclude) > 0 {
		allow, err := c.matching(f)
		if err != nil {
			return sr, err
		}
		kept := []string{}
		for _, k := range allow {
			if !exclude[k] {
				kept = append(kept, k)
			}
		}
		sr.Filter = &index.Filter{Allow: kept}
	}
	if v.sparse == nil {
		sr.Vector = v.dense
		return sr, nil
	}
	q := *v.sparse
	if c.sparse[name].GetModifier() == qdrant.Modifier_Idf {
		q = c.idfWeighted(name, q)
	}
	sr.Sparse = &q
	return sr, nil
}

// scoredPoints turns hits into the response: offset applied, Euclid similarities turned back
// into distances, the score threshold applied, payload and vectors selected.
func (c *collection) scoredPoints(req *qdrant.QueryPoints, hits []index.Hit, euclid bool) (*qdrant.QueryResponse, error) {
	names, err := c.vectorSelection(req.GetWithVectors())
	if err != nil {
		return nil, err
	}
	out := &qdrant.QueryResponse{}
	for i, h := range hits {
		if uint64(i) < req.GetOffset() {
			continue
		}
		score := h.Score
		if euclid {
			score = -score
		}
		if req.ScoreThreshold != nil {
			th := req.GetScoreThreshold()
			if euclid && score > th || !euclid && score < th {
				break
			}
		}
		pt := c.points[h.ID]
		out.Result = append(out.Result, &qdrant.ScoredPoint{
			Id: pt.id, Score: score, Payload: selectPayload(pt.payload, req.GetWithPayload()),
			Vectors: c.vectorsOut(h.ID, pt, names),
		})
	}
	return out, nil
}

// idfWeighted scales each query weight by Qdrant's IDF of its index,
// ln((N - n + 0.5) / (n + 0.5) + 1), with N the points holding the vector and n those
// holding the index.
func (c *collection) idfWeighted(name string, q index.SparseVector) index.SparseVector {
	df := map[uint32]int{}
	total := 0
	for _, pt := range c.points {
		sv, ok := pt.sparse[name]
		if !ok {
			continue
		}
		total++
		for _, ix := range sv.Indices {
			df[ix]++
		}
	}
	out := index.SparseVector{Indices: q.Indices, Values: make([]float32, len(q.Values))}
	for i, ix := range q.Indices {
		n := float64(df[ix])
		idf := math.Log((float64(total)-n+0.5)/(n+0.5) + 1)
		out.Values[i] = q.Values[i] * float32(idf)
	}
	return out
}

// recommendVector builds the query of a recommend request with the average_vector strategy:
// avg(positive) + avg(positive) - avg(negative), or avg(positive) without negatives. Example
// ids must exist (NotFound otherwise) and are excluded from the results.
func (c *collection) recommendVector(name string, r *qdrant.RecommendInput) (vectorValue, map[string]bool, error) {
	if r.GetStrategy() != qdrant.RecommendStrategy_AverageVector {
		return vectorValue{}, nil, unimplemented("recommend strategies other than average_vector")
	}
	p, ok := c.dense[name]
	if !ok {
		if _, sparse := c.sparse[name]; sparse {
			return vectorValue{}, nil, unimplemented("recommend on sparse vectors")
		}
		return vectorValue{}, nil, badInput("Not existing vector name error: %s", name)
	}
	if len(r.GetPositive()) == 0 {
		return vectorValue{}, nil, badInput("At least one positive vector ID required")
	}
	exclude := map[string]bool{}
	avg := func(inputs []*qdrant.VectorInput) ([]float64, error) {
		sum := make([]float64, p.GetSize())
		for _, in := range inputs {
			var vec []float32
			switch x := in.GetVariant().(type) {
			case *qdrant.VectorInput_Id:
				k, err := pointKey(x.Id)
				if err != nil {
					return nil, err
				}
				pt, ok := c.points[k]
				if !ok {
					return nil, notFoundPoint(k)
				}
				if !pt.dense[name] {
					return nil, badInput("Vector %s of point %s is not found", name, k)
				}
				vs, err := c.flat.Vectors(context.Background(), c.space[name], []string{k})
				if err != nil {
					return nil, err
				}
				vec = vs[k]
				exclude[k] = true
			case *qdrant.VectorInput_Dense:
				vec = x.Dense.GetData()
				if uint64(len(vec)) != p.GetSize() {
					return nil, badInput("Vector dimension error: expected dim: %d, got %d", p.GetSize(), len(vec))
				}
			default:
				return nil, unimplemented("recommend examples other than ids and dense vectors")
			}
			for i, x := range vec {
				sum[i] += float64(x) / float64(len(inputs))
			}
		}
		return sum, nil
	}
	pos, err := avg(r.GetPositive())
	if err != nil {
		return vectorValue{}, nil, err
	}
	q := make([]float32, len(pos))
	for i := range pos {
		q[i] = float32(pos[i])
	}
	if len(r.GetNegative()) > 0 {
		neg, err := avg(r.GetNegative())
		if err != nil {
			return vectorValue{}, nil, err
		}
		for i := range q {
			q[i] = float32(2*pos[i] - neg[i])
		}
	}
	return vectorValue{dense: q}, exclude, nil
}
