package qdranttest

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/google/uuid"
	"github.com/qdrant/go-client/qdrant"

	"github.com/recd/recd/index"
)

// collection is one Qdrant collection: named vectors kept in an index.Flat (one Flat space
// per vector name), payloads here. Guarded by Server.mu.
type collection struct {
	dense    map[string]*qdrant.VectorParams
	sparse   map[string]*qdrant.SparseVectorParams
	metadata map[string]*qdrant.Value
	space    map[string]string // vector name -> Flat space name
	flat     *index.Flat
	points   map[string]*point // canonical point id -> point
	schema   map[string]*qdrant.PayloadSchemaInfo
}

type point struct {
	id      *qdrant.PointId
	payload map[string]*qdrant.Value
	dense   map[string]bool
	sparse  map[string]index.SparseVector // sorted indices, as stored
}

func newCollection(req *qdrant.CreateCollection) (*collection, error) {
	c := &collection{
		dense: map[string]*qdrant.VectorParams{}, sparse: map[string]*qdrant.SparseVectorParams{},
		metadata: req.GetMetadata(), space: map[string]string{}, flat: index.NewFlat(),
		points: map[string]*point{}, schema: map[string]*qdrant.PayloadSchemaInfo{},
	}
	if req.GetVectorsConfig().GetParams() != nil {
		return nil, unimplemented("a collection with an unnamed vector")
	}
	n := 0
	add := func(name string, cfg index.SpaceConfig) error {
		if _, dup := c.space[name]; dup {
			return badInput("vector name %q is both dense and sparse", name)
		}
		cfg.Name = fmt.Sprintf("v%d", n)
		n++
		c.space[name] = cfg.Name
		return c.flat.CreateSpace(context.Background(), cfg)
	}
	names := sortedKeys(req.GetVectorsConfig().GetParamsMap().GetMap())
	for _, name := range names {
		p := req.GetVectorsConfig().GetParamsMap().GetMap()[name]
		if p.GetSize() == 0 || p.GetSize() > 65536 {
			return nil, badInput("Validation error in JSON body: [vectors.%s.size: value %d invalid, must be from 1 to 65536]", name, p.GetSize())
		}
		if p.GetMultivectorConfig() != nil {
			return nil, unimplemented("multivectors")
		}
		var m index.Metric
		switch p.GetDistance() {
		case qdrant.Distance_Cosine:
			m = index.Cosine
		case qdrant.Distance_Dot:
			m = index.Dot
		case qdrant.Distance_Euclid:
			m = index.L2
		case qdrant.Distance_Manhattan:
			return nil, unimplemented("Manhattan distance")
		default:
			return nil, badInput("unknown distance %v for vector %q", p.GetDistance(), name)
		}
		c.dense[name] = p
		if err := add(name, index.SpaceConfig{Dim: int(p.GetSize()), Metric: m}); err != nil {
			return nil, err
		}
	}
	for _, name := range sortedKeys(req.GetSparseVectorsConfig().GetMap()) {
		c.sparse[name] = req.GetSparseVectorsConfig().GetMap()[name]
		if err := add(name, index.SpaceConfig{Metric: index.Dot, Sparse: true}); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (c *collection) info() *qdrant.CollectionInfo {
	n := uint64(len(c.points))
	schema := make(map[string]*qdrant.PayloadSchemaInfo, len(c.schema))
	for k, v := range c.schema {
		schema[k] = v
	}
	return &qdrant.CollectionInfo{
		Status: qdrant.CollectionStatus_Green,
		Config: &qdrant.CollectionConfig{
			Params: &qdrant.CollectionParams{
				ShardNumber:         1,
				VectorsConfig:       qdrant.NewVectorsConfigMap(c.dense),
				SparseVectorsConfig: qdrant.NewSparseVectorsConfig(c.sparse),
			},
			Metadata: c.metadata,
		},
		PayloadSchema: schema,
		PointsCount:   &n,
	}
}

// pointKey validates a point id and returns its canonical form.
func pointKey(id *qdrant.PointId) (string, error) {
	switch x := id.GetPointIdOptions().(type) {
	case *qdrant.PointId_Uuid:
		u, err := uuid.Parse(x.Uuid)
		if err != nil {
			return "", badInput("Unable to parse UUID: %s", x.Uuid)
		}
		return u.String(), nil
	case *qdrant.PointId_Num:
		return fmt.Sprintf("%d", x.Num), nil
	}
	return "", badInput("PointId is empty")
}

// vectorValue is one decoded input vector.
type vectorValue struct {
	dense  []float32
	sparse *index.SparseVector
}

func decodeVector(v *qdrant.Vector) (vectorValue, error) {
	switch x := v.GetVector().(type) {
	case *qdrant.Vector_Dense:
		return vectorValue{dense: x.Dense.GetData()}, nil
	case *qdrant.Vector_Sparse:
		return sparseValue(x.Sparse.GetIndices(), x.Sparse.GetValues())
	case nil:
		// The deprecated flat encoding is still what older clients send, so the double reads it.
		//lint:ignore SA1019 older clients send the deprecated encoding
		if v.GetIndices() != nil {
			//lint:ignore SA1019 older clients send the deprecated encoding
			return sparseValue(v.GetIndices().GetData(), v.GetData())
		}
		//lint:ignore SA1019 older clients send the deprecated encoding
		return vectorValue{dense: v.GetData()}, nil
	}
	return vectorValue{}, unimplemented("multivector and inference inputs")
}

// sparseValue checks a sparse vector like Qdrant (as many values as indices, no duplicate
// index) and sorts it by index, as Qdrant stores it.
func sparseValue(indices []uint32, values []float32) (vectorValue, error) {
	if len(indices) != len(values) {
		return vectorValue{}, badInput("Sparse vector indices and values must have the same length: %d != %d", len(indices), len(values))
	}
	order := make([]int, len(indices))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return indices[order[a]] < indices[order[b]] })
	sv := index.SparseVector{Indices: make([]uint32, len(indices)), Values: make([]float32, len(values))}
	for i, o := range order {
		sv.Indices[i], sv.Values[i] = indices[o], values[o]
		if i > 0 && sv.Indices[i] == sv.Indices[i-1] {
			return vectorValue{}, badInput("Sparse vector indices must be unique, %d is repeated", sv.Indices[i])
		}
	}
	return vectorValue{sparse: &sv}, nil
}

// checkVector checks a decoded vector against the vector name's config.
func (c *collection) checkVector(name string, v vectorValue) error {
	if p, ok := c.dense[name]; ok {
		if v.sparse != nil {
			return badInput("Conversion between sparse and regular vectors failed")
		}
		if uint64(len(v.dense)) != p.GetSize() {
			return badInput("Vector dimension error: expected dim: %d, got %d", p.GetSize(), len(v.dense))
		}
		return nil
	}
	if _, ok := c.sparse[name]; ok {
		if v.sparse == nil {
			return badInput("Conversion between sparse and regular vectors failed")
		}
		return nil
	}
	return badInput("Not existing vector name error: %s", name)
}

// preparedPoint is a validated upsert.
type preparedPoint struct {
	key string
	pt  *point
	idx index.Point
}

func (c *collection) prepare(ps *qdrant.PointStruct) (preparedPoint, error) {
	key, err := pointKey(ps.GetId())
	if err != nil {
		return preparedPoint{}, err
	}
	pt := &point{id: ps.GetId(), payload: ps.GetPayload(), dense: map[string]bool{}, sparse: map[string]index.SparseVector{}}
	ip := index.Point{ID: key, Vectors: map[string][]float32{}, Sparse: map[string]index.SparseVector{}}
	var named map[string]*qdrant.Vector
	switch x := ps.GetVectors().GetVectorsOptions().(type) {
	case *qdrant.Vectors_Vectors:
		named = x.Vectors.GetVectors()
	case *qdrant.Vectors_Vector:
		named = map[string]*qdrant.Vector{"": x.Vector}
	}
	for name, qv := range named {
		v, err := decodeVector(qv)
		if err != nil {
			return preparedPoint{}, err
		}
		if err := c.checkVector(name, v); err != nil {
			return preparedPoint{}, err
		}
		if v.sparse != nil {
			if len(v.sparse.Indices) == 0 {
				continue // an empty sparse vector is stored as no vector
			}
			pt.sparse[name] = *v.sparse
			ip.Sparse[c.space[name]] = *v.sparse
		} else {
			if hasNaN(v.dense) {
				return preparedPoint{}, badInput("vector %s contains NaN or infinite values", name)
			}
			pt.dense[name] = true
			ip.Vectors[c.space[name]] = v.dense
		}
	}
	return preparedPoint{key: key, pt: pt, idx: ip}, nil
}

func hasNaN(v []float32) bool {
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return true
		}
	}
	return false
}

// upsert replaces whole points (vectors not given are dropped, as in Qdrant). All points
// are validated before any is written.
func (c *collection) upsert(pts []*qdrant.PointStruct) error {
	prepared := make([]preparedPoint, 0, len(pts))
	for _, ps := range pts {
		p, err := c.prepare(ps)
		if err != nil {
			return err
		}
		prepared = append(prepared, p)
	}
	ctx := context.Background()
	for _, p := range prepared {
		if err := c.flat.Delete(ctx, []string{p.key}); err != nil {
			return err
		}
		if err := c.flat.Upsert(ctx, []index.Point{p.idx}); err != nil {
			return fmt.Errorf("qdranttest: flat upsert: %w", err)
		}
		c.points[p.key] = p.pt
	}
	return nil
}

func (c *collection) remove(keys []string) {
	_ = c.flat.Delete(context.Background(), keys)
	for _, k := range keys {
		delete(c.points, k)
	}
}
