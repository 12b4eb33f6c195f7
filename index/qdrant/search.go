package qdrant

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/qdrant/go-client/qdrant"

	"github.com/recd/recd/index"
)

// Search implements index.Index with one Query API request: nearest to the query vector in
// the space's collection ("using" the space's vector), the filter pushed down as Qdrant
// conditions, req.Ef as hnsw_ef, and the threshold as score_threshold. Qdrant's Euclid
// scores are distances (lower is better), so hits are negated into index scores and the
// threshold t is sent as the maximum distance -t. The server's threshold is loosened by a
// relative 1e-5 and the exact threshold is applied here, so a hit scoring exactly the
// threshold is kept whatever the server's float rounding or boundary rule.
func (ix *Index) Search(ctx context.Context, req index.SearchRequest) ([]index.Hit, error) {
	cfg, ok, err := ix.lookup(ctx, req.Space)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("space %s: %w", req.Space, index.ErrUnknownSpace)
	}
	if err := index.ValidateSearch(req, cfg); err != nil {
		return nil, err
	}
	filter, none, err := translateFilter(req.Filter)
	if err != nil {
		return nil, err
	}
	if none {
		return []index.Hit{}, nil
	}
	name := ix.collectionName(req.Space)
	q := &qdrant.QueryPoints{
		CollectionName: name,
		Using:          qdrant.PtrOf(req.Space),
		Filter:         filter,
		Limit:          qdrant.PtrOf(uint64(req.K)),
		WithPayload:    qdrant.NewWithPayloadInclude(keyID),
	}
	if cfg.Sparse {
		vals := req.Sparse.Values
		if cfg.Metric == index.Cosine {
			vals = append([]float32(nil), vals...)
			index.Normalize(vals)
		}
		q.Query = qdrant.NewQuerySparse(req.Sparse.Indices, vals)
	} else {
		q.Query = qdrant.NewQueryDense(req.Vector)
	}
	if req.Ef > 0 {
		q.Params = &qdrant.SearchParams{HnswEf: qdrant.PtrOf(uint64(req.Ef))}
	}
	if req.Threshold != nil {
		q.ScoreThreshold = qdrant.PtrOf(serverThreshold(cfg.Metric, *req.Threshold))
	}
	hits, err := ix.query(ctx, q, cfg.Metric, req.Threshold)
	if errors.Is(err, index.ErrUnknownSpace) {
		ix.forget(req.Space)
	}
	return hits, err
}

// query runs a Query API request and turns its points into hits: ids from the payload,
// Euclid distances negated, best first, the exact threshold applied.
func (ix *Index) query(ctx context.Context, q *qdrant.QueryPoints, m index.Metric, threshold *float32) ([]index.Hit, error) {
	var points []*qdrant.ScoredPoint
	err := ix.do(ctx, "query "+q.CollectionName, func(ctx context.Context) error {
		var err error
		points, err = ix.client.Query(ctx, q)
		return err
	})
	if err != nil {
		return nil, err
	}
	hits := make([]index.Hit, 0, len(points))
	for _, p := range points {
		id, ok := payloadID(p.GetPayload())
		if !ok {
			return nil, fmt.Errorf("qdrant query %s: point %s has no id in its payload", q.CollectionName, p.GetId().GetUuid())
		}
		score := p.GetScore()
		if m == index.L2 {
			score = -score
		}
		hits = append(hits, index.Hit{ID: id, Score: score})
	}
	index.SortHits(hits) // Qdrant orders by score; this also orders ties by id
	return index.ApplyThreshold(hits, threshold), nil
}

// serverThreshold is the score_threshold sent to Qdrant for an index threshold t: slightly
// looser than t, and for Euclid the maximum distance -t.
func serverThreshold(m index.Metric, t float32) float32 {
	slack := 1e-5 * float32(math.Max(1, math.Abs(float64(t))))
	if m == index.L2 {
		return -t + slack
	}
	return t - slack
}

// Vectors implements index.Index with GetPoints on the space's collection, asking for the
// space's vector only. Cosine spaces return the vectors as Qdrant stores them, normalised;
// sparse spaces have no dense vectors and return an empty map, like the embedded index.
func (ix *Index) Vectors(ctx context.Context, space string, ids []string) (map[string][]float32, error) {
	cfg, ok, err := ix.lookup(ctx, space)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("space %s: %w", space, index.ErrUnknownSpace)
	}
	out := make(map[string][]float32, len(ids))
	if cfg.Sparse || len(ids) == 0 {
		return out, nil
	}
	name := ix.collectionName(space)
	for start := 0; start < len(ids); start += ix.opts.UpsertBatch {
		chunk := ids[start:min(start+ix.opts.UpsertBatch, len(ids))]
		var points []*qdrant.RetrievedPoint
		err := ix.do(ctx, "get points "+name, func(ctx context.Context) error {
			var err error
			points, err = ix.client.Get(ctx, &qdrant.GetPoints{
				CollectionName: name, Ids: pointIDs(chunk),
				WithPayload: qdrant.NewWithPayloadInclude(keyID), WithVectors: qdrant.NewWithVectorsInclude(space),
			})
			return err
		})
		if errors.Is(err, index.ErrUnknownSpace) {
			ix.forget(space)
		}
		if err != nil {
			return nil, err
		}
		for _, p := range points {
			id, ok := payloadID(p.GetPayload())
			if !ok {
				continue
			}
			if v := p.GetVectors().GetVectors().GetVectors()[space].GetDenseVector(); v != nil {
				out[id] = append([]float32(nil), v.GetData()...)
			}
		}
	}
	return out, nil
}
