package qdrant

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
)

// schemaVersion is stored in each collection's metadata (recd_schema); Open migrates
// collections with an older or no version (today: payload indexes and metadata).
const schemaVersion = 1

// Metadata keys of a space collection.
const (
	metaSpace  = "recd_space"
	metaMetric = "recd_metric"
	metaSparse = "recd_sparse"
	metaSchema = "recd_schema"
)

// collectionName is the collection of a space.
func (ix *Index) collectionName(space string) string { return ix.opts.Collection + "__" + space }

func distance(m index.Metric) qdrant.Distance {
	switch m {
	case index.Dot:
		return qdrant.Distance_Dot
	case index.L2:
		return qdrant.Distance_Euclid
	}
	return qdrant.Distance_Cosine
}

// CreateSpace implements index.Index: it creates the space's collection with its named
// vector, metadata and payload indexes. Sparse spaces support the cosine and dot metrics
// only (Qdrant scores sparse vectors by dot product); L2 is rejected as invalid.
func (ix *Index) CreateSpace(ctx context.Context, cfg index.SpaceConfig) error {
	if err := index.ValidateSpaceConfig(cfg); err != nil {
		return err
	}
	if cfg.Sparse && cfg.Metric == index.L2 {
		return fmt.Errorf("space %s: %w", cfg.Name, recd.Invalid("metric", "sparse spaces on qdrant support cosine and dot, not l2"))
	}
	cfg = index.NormalizeConfig(cfg)
	if have, ok, err := ix.lookup(ctx, cfg.Name); err != nil {
		return err
	} else if ok {
		return sameConfig(have, cfg)
	}
	name := ix.collectionName(cfg.Name)
	req := &qdrant.CreateCollection{
		CollectionName: name,
		Metadata:       metadata(cfg),
	}
	if cfg.Sparse { // a sparse-only collection: no dense vectors config at all
		params := &qdrant.SparseVectorParams{}
		if ix.idf[cfg.Name] {
			params.Modifier = qdrant.Modifier_Idf.Enum()
		}
		req.SparseVectorsConfig = qdrant.NewSparseVectorsConfig(map[string]*qdrant.SparseVectorParams{cfg.Name: params})
	} else {
		req.VectorsConfig = qdrant.NewVectorsConfigMap(map[string]*qdrant.VectorParams{
			cfg.Name: {Size: uint64(cfg.Dim), Distance: distance(cfg.Metric)},
		})
	}
	err := ix.do(ctx, "create collection "+name, func(ctx context.Context) error {
		return ix.client.CreateCollection(ctx, req)
	})
	if err != nil {
		// Another replica may have created it first: compare with what is there.
		have, ok, lerr := ix.fetchSpace(ctx, cfg.Name)
		if lerr != nil || !ok {
			return err
		}
		return sameConfig(have, cfg)
	}
	ix.mu.Lock()
	ix.spaces[cfg.Name] = cfg
	ix.mu.Unlock()
	return ix.migrate(ctx, cfg.Name)
}

func metadata(cfg index.SpaceConfig) map[string]*qdrant.Value {
	return map[string]*qdrant.Value{
		metaSpace:  qdrant.NewValueString(cfg.Name),
		metaMetric: qdrant.NewValueString(string(cfg.Metric)),
		metaSparse: qdrant.NewValueBool(cfg.Sparse),
		metaSchema: qdrant.NewValueInt(schemaVersion),
	}
}

func sameConfig(have, want index.SpaceConfig) error {
	if have != want {
		return fmt.Errorf("space %s is %+v: %w", want.Name, have, index.ErrSpaceConflict)
	}
	return nil
}

// migrate brings a space collection to the current schema: it creates the payload indexes
// the collection lacks and, when its metadata records an older schema (or none, for a
// collection created outside recd), writes the current metadata.
func (ix *Index) migrate(ctx context.Context, space string) error {
	name := ix.collectionName(space)
	var info *qdrant.CollectionInfo
	err := ix.do(ctx, "get collection "+name, func(ctx context.Context) error {
		var err error
		info, err = ix.client.GetCollectionInfo(ctx, name)
		return err
	})
	if err != nil {
		return err
	}
	want := map[string]qdrant.FieldType{
		keyID:         qdrant.FieldType_FieldTypeKeyword,
		keyCategories: qdrant.FieldType_FieldTypeKeyword,
		keyAvailable:  qdrant.FieldType_FieldTypeBool,
	}
	for _, a := range ix.opts.KeywordAttributes {
		want[attrKey(a)] = qdrant.FieldType_FieldTypeKeyword
	}
	for _, a := range ix.opts.NumericAttributes {
		want[attrKey(a)] = qdrant.FieldType_FieldTypeFloat
	}
	fields := make([]string, 0, len(want))
	for f := range want {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	if info.GetConfig().GetMetadata()[metaSchema].GetIntegerValue() != schemaVersion {
		cfg, err := spaceConfig(space, info)
		if err != nil {
			return err
		}
		err = ix.do(ctx, "update collection "+name, func(ctx context.Context) error {
			return ix.client.UpdateCollection(ctx, &qdrant.UpdateCollection{CollectionName: name, Metadata: metadata(cfg)})
		})
		if err != nil {
			return err
		}
	}
	for _, field := range fields {
		if _, ok := info.GetPayloadSchema()[field]; ok {
			continue
		}
		ft := want[field]
		err := ix.do(ctx, "create payload index "+field, func(ctx context.Context) error {
			_, err := ix.client.CreateFieldIndex(ctx, &qdrant.CreateFieldIndexCollection{
				CollectionName: name, Wait: qdrant.PtrOf(true), FieldName: field, FieldType: ft.Enum(),
			})
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// lookup returns a space's config from the cache, asking the server when it is not cached
// (another replica may have created it).
func (ix *Index) lookup(ctx context.Context, space string) (index.SpaceConfig, bool, error) {
	ix.mu.RLock()
	cfg, ok := ix.spaces[space]
	ix.mu.RUnlock()
	if ok {
		return cfg, true, nil
	}
	if !index.ValidSpaceName(space) {
		return index.SpaceConfig{}, false, nil
	}
	return ix.fetchSpace(ctx, space)
}

// fetchSpace reads a space's config from its collection and caches it.
func (ix *Index) fetchSpace(ctx context.Context, space string) (index.SpaceConfig, bool, error) {
	name := ix.collectionName(space)
	var info *qdrant.CollectionInfo
	err := ix.do(ctx, "get collection "+name, func(ctx context.Context) error {
		var err error
		info, err = ix.client.GetCollectionInfo(ctx, name)
		return err
	})
	if errors.Is(err, index.ErrUnknownSpace) {
		return index.SpaceConfig{}, false, nil
	}
	if err != nil {
		return index.SpaceConfig{}, false, err
	}
	cfg, err := spaceConfig(space, info)
	if err != nil {
		return index.SpaceConfig{}, false, err
	}
	ix.mu.Lock()
	ix.spaces[space] = cfg
	ix.mu.Unlock()
	return cfg, true, nil
}

// forget drops a space from the cache after the server said its collection is gone.
func (ix *Index) forget(space string) {
	ix.mu.Lock()
	delete(ix.spaces, space)
	ix.mu.Unlock()
}

// spaceConfig reads a space's config back from its collection: the vector params give the
// dimension and distance; the metadata gives the metric of sparse spaces (dot if absent).
func spaceConfig(space string, info *qdrant.CollectionInfo) (index.SpaceConfig, error) {
	params := info.GetConfig().GetParams()
	cfg := index.SpaceConfig{Name: space}
	if vp, ok := params.GetVectorsConfig().GetParamsMap().GetMap()[space]; ok {
		cfg.Dim = int(vp.GetSize())
		switch vp.GetDistance() {
		case qdrant.Distance_Cosine:
			cfg.Metric = index.Cosine
		case qdrant.Distance_Dot:
			cfg.Metric = index.Dot
		case qdrant.Distance_Euclid:
			cfg.Metric = index.L2
		default:
			return cfg, fmt.Errorf("space %s: unsupported distance %v", space, vp.GetDistance())
		}
		return cfg, nil
	}
	if _, ok := params.GetSparseVectorsConfig().GetMap()[space]; ok {
		cfg.Sparse = true
		cfg.Metric = index.Dot
		if m := info.GetConfig().GetMetadata()[metaMetric].GetStringValue(); m == string(index.Cosine) {
			cfg.Metric = index.Cosine
		}
		return cfg, nil
	}
	return cfg, fmt.Errorf("collection of space %s has no vector named %s", space, space)
}

// Spaces implements index.Index: the collections named "<Collection>__<space>", with exact
// point counts, sorted by name. It refreshes the space cache.
func (ix *Index) Spaces(ctx context.Context) ([]index.SpaceInfo, error) {
	spaces, err := ix.spaceNames(ctx)
	if err != nil {
		return nil, err
	}
	var out []index.SpaceInfo
	seen := map[string]bool{}
	for _, space := range spaces {
		cfg, ok, err := ix.fetchSpace(ctx, space)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue // deleted meanwhile
		}
		n, err := ix.count(ctx, space)
		if errors.Is(err, index.ErrUnknownSpace) {
			continue
		}
		if err != nil {
			return nil, err
		}
		seen[space] = true
		out = append(out, index.SpaceInfo{SpaceConfig: cfg, Count: n})
	}
	ix.mu.Lock()
	for s := range ix.spaces {
		if !seen[s] {
			delete(ix.spaces, s)
		}
	}
	ix.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// spaceNames lists the spaces whose collections exist now, sorted, so that writes reach
// spaces other replicas created. It costs one ListCollections request.
func (ix *Index) spaceNames(ctx context.Context) ([]string, error) {
	var names []string
	err := ix.do(ctx, "list collections", func(ctx context.Context) error {
		var err error
		names, err = ix.client.ListCollections(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	prefix := ix.opts.Collection + "__"
	var out []string
	for _, name := range names {
		if space, ok := strings.CutPrefix(name, prefix); ok && index.ValidSpaceName(space) {
			out = append(out, space)
		}
	}
	sort.Strings(out)
	return out, nil
}

func (ix *Index) count(ctx context.Context, space string) (int, error) {
	name := ix.collectionName(space)
	var n uint64
	err := ix.do(ctx, "count "+name, func(ctx context.Context) error {
		var err error
		n, err = ix.client.Count(ctx, &qdrant.CountPoints{CollectionName: name, Exact: qdrant.PtrOf(true)})
		return err
	})
	return int(n), err
}

// notFound reports whether err says a collection does not exist.
func notFound(err error) bool { return status.Code(err) == codes.NotFound }
