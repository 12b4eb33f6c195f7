package qdrant

import (
	"context"
	"fmt"

	"github.com/qdrant/go-client/qdrant"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
)

// RecommendRequest asks for the items of a dense space nearest to positive example items and
// away from negative ones.
type RecommendRequest struct {
	Space     string
	Positive  []string // example item ids; at least one must exist in the space
	Negative  []string
	K         int
	Filter    *index.Filter
	Threshold *float32
}

// Recommend runs Qdrant's recommend query server side (strategy average_vector: one search
// with avg(positive) + avg(positive) - avg(negative)), so the example vectors never travel
// to recd. The examples themselves are not returned. Examples missing from the space are
// ignored (one GetPoints request finds them); with no positive example left there are no
// hits. This is an extra of the Qdrant backend, not part of index.Index: a caller that wants
// it checks for it with a type assertion and otherwise averages Vectors and calls Search.
func (ix *Index) Recommend(ctx context.Context, req RecommendRequest) ([]index.Hit, error) {
	cfg, ok, err := ix.lookup(ctx, req.Space)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("space %s: %w", req.Space, index.ErrUnknownSpace)
	}
	if cfg.Sparse {
		return nil, fmt.Errorf("space %s: %w", req.Space, recd.Invalid("space", "recommend needs a dense space"))
	}
	if req.K <= 0 || req.K > index.MaxK {
		return nil, recd.Invalid("k", fmt.Sprintf("k must be in 1..%d, got %d", index.MaxK, req.K))
	}
	filter, none, err := translateFilter(req.Filter)
	if err != nil {
		return nil, err
	}
	name := ix.collectionName(req.Space)
	present, err := ix.existing(ctx, name, append(append([]string(nil), req.Positive...), req.Negative...))
	if err != nil {
		return nil, err
	}
	var pos, neg []*qdrant.VectorInput
	for _, id := range req.Positive {
		if present[id] {
			pos = append(pos, qdrant.NewVectorInputID(qdrant.NewIDUUID(PointID(id))))
		}
	}
	for _, id := range req.Negative {
		if present[id] {
			neg = append(neg, qdrant.NewVectorInputID(qdrant.NewIDUUID(PointID(id))))
		}
	}
	if none || len(pos) == 0 {
		return []index.Hit{}, nil
	}
	q := &qdrant.QueryPoints{
		CollectionName: name,
		Using:          qdrant.PtrOf(req.Space),
		Query: qdrant.NewQueryRecommend(&qdrant.RecommendInput{
			Positive: pos, Negative: neg, Strategy: qdrant.RecommendStrategy_AverageVector.Enum(),
		}),
		Filter:      filter,
		Limit:       qdrant.PtrOf(uint64(req.K)),
		WithPayload: qdrant.NewWithPayloadInclude(keyID),
	}
	if req.Threshold != nil {
		q.ScoreThreshold = qdrant.PtrOf(serverThreshold(cfg.Metric, *req.Threshold))
	}
	return ix.query(ctx, q, cfg.Metric, req.Threshold)
}

// existing returns which of ids have a point in the collection.
func (ix *Index) existing(ctx context.Context, collection string, ids []string) (map[string]bool, error) {
	byPoint := make(map[string]string, len(ids))
	for _, id := range ids {
		byPoint[PointID(id)] = id
	}
	var points []*qdrant.RetrievedPoint
	err := ix.do(ctx, "get points "+collection, func(ctx context.Context) error {
		var err error
		points, err = ix.client.Get(ctx, &qdrant.GetPoints{CollectionName: collection, Ids: pointIDs(ids)})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(points))
	for _, p := range points {
		if id, ok := byPoint[p.GetId().GetUuid()]; ok {
			out[id] = true
		}
	}
	return out, nil
}
