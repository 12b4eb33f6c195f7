package qdranttest

import (
	"context"

	"github.com/qdrant/go-client/qdrant"
)

func done() *qdrant.PointsOperationResponse {
	return &qdrant.PointsOperationResponse{Result: &qdrant.UpdateResult{Status: qdrant.UpdateStatus_Completed}}
}

// Upsert writes whole points.
func (p *qdrantPoints) Upsert(_ context.Context, req *qdrant.UpsertPoints) (*qdrant.PointsOperationResponse, error) {
	if req.GetUpdateFilter() != nil || req.GetUpdateMode() != qdrant.UpdateMode_Upsert {
		return nil, unimplemented("conditional upserts")
	}
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	c, err := p.s.col(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	if err := c.upsert(req.GetPoints()); err != nil {
		return nil, err
	}
	return done(), nil
}

// selectKeys resolves a points selector (ids, or a filter) to the canonical ids of existing
// points. With ids, missing points are an error when strict (payload updates), ignored
// otherwise (deletes).
func (c *collection) selectKeys(sel *qdrant.PointsSelector, strict bool) ([]string, error) {
	switch x := sel.GetPointsSelectorOneOf().(type) {
	case *qdrant.PointsSelector_Points:
		var keys []string
		for _, id := range x.Points.GetIds() {
			k, err := pointKey(id)
			if err != nil {
				return nil, err
			}
			if _, ok := c.points[k]; !ok {
				if strict {
					return nil, notFoundPoint(k)
				}
				continue
			}
			keys = append(keys, k)
		}
		return keys, nil
	case *qdrant.PointsSelector_Filter:
		return c.matching(x.Filter)
	}
	return nil, badInput("points selector is empty")
}

// matching returns the ids of the points passing f (all points for a nil filter).
func (c *collection) matching(f *qdrant.Filter) ([]string, error) {
	var keys []string
	for k, pt := range c.points {
		ok, err := evalFilter(f, k, pt)
		if err != nil {
			return nil, err
		}
		if ok {
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// Delete deletes points by id or filter; unknown ids are ignored.
func (p *qdrantPoints) Delete(_ context.Context, req *qdrant.DeletePoints) (*qdrant.PointsOperationResponse, error) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	c, err := p.s.col(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	keys, err := c.selectKeys(req.GetPoints(), false)
	if err != nil {
		return nil, err
	}
	c.remove(keys)
	return done(), nil
}

func (c *collection) setPayload(payload map[string]*qdrant.Value, sel *qdrant.PointsSelector, key *string, overwrite bool) error {
	if key != nil {
		return unimplemented("payload updates under a key")
	}
	keys, err := c.selectKeys(sel, true)
	if err != nil {
		return err
	}
	for _, k := range keys {
		pt := c.points[k]
		if overwrite || pt.payload == nil {
			pt.payload = map[string]*qdrant.Value{}
		} else {
			old := pt.payload
			pt.payload = make(map[string]*qdrant.Value, len(old)+len(payload))
			for f, v := range old {
				pt.payload[f] = v
			}
		}
		for f, v := range payload {
			pt.payload[f] = v
		}
	}
	return nil
}

// SetPayload merges payload keys into the selected points.
func (p *qdrantPoints) SetPayload(_ context.Context, req *qdrant.SetPayloadPoints) (*qdrant.PointsOperationResponse, error) {
	return p.payloadOp(req, false)
}

// OverwritePayload replaces the payload of the selected points.
func (p *qdrantPoints) OverwritePayload(_ context.Context, req *qdrant.SetPayloadPoints) (*qdrant.PointsOperationResponse, error) {
	return p.payloadOp(req, true)
}

func (p *qdrantPoints) payloadOp(req *qdrant.SetPayloadPoints, overwrite bool) (*qdrant.PointsOperationResponse, error) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	c, err := p.s.col(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	if err := c.setPayload(req.GetPayload(), req.GetPointsSelector(), req.Key, overwrite); err != nil {
		return nil, err
	}
	return done(), nil
}

// UpdateBatch applies upserts, deletes and payload updates in order.
func (p *qdrantPoints) UpdateBatch(_ context.Context, req *qdrant.UpdateBatchPoints) (*qdrant.UpdateBatchResponse, error) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	c, err := p.s.col(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	out := &qdrant.UpdateBatchResponse{}
	for _, op := range req.GetOperations() {
		switch x := op.GetOperation().(type) {
		case *qdrant.PointsUpdateOperation_Upsert:
			err = c.upsert(x.Upsert.GetPoints())
		case *qdrant.PointsUpdateOperation_DeletePoints_:
			var keys []string
			if keys, err = c.selectKeys(x.DeletePoints.GetPoints(), false); err == nil {
				c.remove(keys)
			}
		case *qdrant.PointsUpdateOperation_OverwritePayload_:
			err = c.setPayload(x.OverwritePayload.GetPayload(), x.OverwritePayload.GetPointsSelector(), x.OverwritePayload.Key, true)
		case *qdrant.PointsUpdateOperation_SetPayload_:
			err = c.setPayload(x.SetPayload.GetPayload(), x.SetPayload.GetPointsSelector(), x.SetPayload.Key, false)
		default:
			err = unimplemented("this batch operation")
		}
		if err != nil {
			return nil, err
		}
		out.Result = append(out.Result, &qdrant.UpdateResult{Status: qdrant.UpdateStatus_Completed})
	}
	return out, nil
}

// CreateFieldIndex records a payload index (the double filters by scanning either way).
func (p *qdrantPoints) CreateFieldIndex(_ context.Context, req *qdrant.CreateFieldIndexCollection) (*qdrant.PointsOperationResponse, error) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	c, err := p.s.col(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	if req.GetFieldName() == "" {
		return nil, badInput("field_name must not be empty")
	}
	if req.FieldType == nil {
		return nil, badInput("field_type is required")
	}
	types := map[qdrant.FieldType]qdrant.PayloadSchemaType{
		qdrant.FieldType_FieldTypeKeyword: qdrant.PayloadSchemaType_Keyword,
		qdrant.FieldType_FieldTypeInteger: qdrant.PayloadSchemaType_Integer,
		qdrant.FieldType_FieldTypeFloat:   qdrant.PayloadSchemaType_Float,
		qdrant.FieldType_FieldTypeBool:    qdrant.PayloadSchemaType_Bool,
	}
	t, ok := types[req.GetFieldType()]
	if !ok {
		return nil, unimplemented("this payload index type")
	}
	c.schema[req.GetFieldName()] = &qdrant.PayloadSchemaInfo{DataType: t}
	return done(), nil
}

// Count counts the points passing the filter (always exactly).
func (p *qdrantPoints) Count(_ context.Context, req *qdrant.CountPoints) (*qdrant.CountResponse, error) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	c, err := p.s.col(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	keys, err := c.matching(req.GetFilter())
	if err != nil {
		return nil, err
	}
	return &qdrant.CountResponse{Result: &qdrant.CountResult{Count: uint64(len(keys))}}, nil
}

// Get returns the existing points among the ids, with the selected payload and vectors.
func (p *qdrantPoints) Get(_ context.Context, req *qdrant.GetPoints) (*qdrant.GetResponse, error) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	c, err := p.s.col(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	names, err := c.vectorSelection(req.GetWithVectors())
	if err != nil {
		return nil, err
	}
	out := &qdrant.GetResponse{}
	seen := map[string]bool{}
	for _, id := range req.GetIds() {
		k, err := pointKey(id)
		if err != nil {
			return nil, err
		}
		pt, ok := c.points[k]
		if !ok || seen[k] {
			continue
		}
		seen[k] = true
		out.Result = append(out.Result, &qdrant.RetrievedPoint{
			Id: pt.id, Payload: selectPayload(pt.payload, req.GetWithPayload()), Vectors: c.vectorsOut(k, pt, names),
		})
	}
	return out, nil
}

// vectorSelection returns the vector names a with_vectors selector asks for; unknown names
// are an error, as in Qdrant.
func (c *collection) vectorSelection(sel *qdrant.WithVectorsSelector) ([]string, error) {
	switch x := sel.GetSelectorOptions().(type) {
	case *qdrant.WithVectorsSelector_Enable:
		if !x.Enable {
			return nil, nil
		}
		return sortedKeys(c.space), nil
	case *qdrant.WithVectorsSelector_Include:
		for _, n := range x.Include.GetNames() {
			if _, ok := c.space[n]; !ok {
				return nil, badInput("Not existing vector name error: %s", n)
			}
		}
		return x.Include.GetNames(), nil
	}
	return nil, nil
}

func (c *collection) vectorsOut(key string, pt *point, names []string) *qdrant.VectorsOutput {
	if len(names) == 0 {
		return nil
	}
	m := map[string]*qdrant.VectorOutput{}
	for _, n := range names {
		if sv, ok := pt.sparse[n]; ok {
			m[n] = &qdrant.VectorOutput{Vector: &qdrant.VectorOutput_Sparse{Sparse: &qdrant.SparseVector{
				Indices: append([]uint32(nil), sv.Indices...), Values: append([]float32(nil), sv.Values...)}}}
			continue
		}
		if !pt.dense[n] {
			continue
		}
		vs, err := c.flat.Vectors(context.Background(), c.space[n], []string{key})
		if err == nil && vs[key] != nil {
			m[n] = &qdrant.VectorOutput{Vector: &qdrant.VectorOutput_Dense{Dense: &qdrant.DenseVector{Data: vs[key]}}}
		}
	}
	return &qdrant.VectorsOutput{VectorsOptions: &qdrant.VectorsOutput_Vectors{Vectors: &qdrant.NamedVectorsOutput{Vectors: m}}}
}

func selectPayload(p map[string]*qdrant.Value, sel *qdrant.WithPayloadSelector) map[string]*qdrant.Value {
	switch x := sel.GetSelectorOptions().(type) {
	case *qdrant.WithPayloadSelector_Enable:
		if x.Enable {
			return p
		}
	case *qdrant.WithPayloadSelector_Include:
		out := map[string]*qdrant.Value{}
		for _, f := range x.Include.GetFields() {
			if v, ok := p[f]; ok {
				out[f] = v
			}
		}
		return out
	case *qdrant.WithPayloadSelector_Exclude:
		out := map[string]*qdrant.Value{}
		for f, v := range p {
			out[f] = v
		}
		for _, f := range x.Exclude.GetFields() {
			delete(out, f)
		}
		return out
	}
	return nil
}
