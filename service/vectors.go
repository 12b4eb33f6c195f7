package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/store"
)

// trainedSpaces are written by training; clients cannot write vectors into them.
var trainedSpaces = map[string]bool{rank.SpaceCF: true, rank.SpaceContent: true, rank.SpaceContentSparse: true}

// indexBatch is how many points are upserted into the index at once.
const indexBatch = 1000

// vectors is the service's side of the vector index: the spaces it knows, writing items'
// vectors (client, content and projected CF vectors) and the index's snapshots. spaceMu
// guards spaces; writeMu is held shared by every index write and exclusively by a snapshot,
// so that a snapshot records a vector-log sequence whose vectors it holds; dirty, following
// and indexedSeq are atomics. Safe for concurrent use.
type vectors struct {
	idx      index.Index
	st       store.Store
	log      *slog.Logger
	stateDir string
	snap     *atomic.Pointer[serving]
	catalog  rank.Catalog // the live catalog, for payloads

	spaceMu sync.RWMutex
	spaces  map[string]index.SpaceConfig
	writeMu sync.RWMutex
	dirty   atomic.Bool // the index has writes since its last snapshot
	// indexedSeq is how far the index holds the vector log while a follower writes it
	// (following true): a snapshot records no later sequence, so that a restart replays what
	// the follower had not applied yet.
	indexedSeq atomic.Int64
	following  atomic.Bool
}

func newVectors(opts *Options, st store.Store, log *slog.Logger, snap *atomic.Pointer[serving], catalog rank.Catalog) *vectors {
	return &vectors{idx: opts.Index, st: st, log: log, stateDir: opts.StateDir, snap: snap, catalog: catalog,
		spaces: map[string]index.SpaceConfig{}}
}

// open learns the index's spaces and creates the declared ones.
func (v *vectors) open(ctx context.Context, declared []index.SpaceConfig) error {
	infos, err := v.idx.Spaces(ctx)
	if err != nil {
		return fmt.Errorf("list vector spaces: %w", err)
	}
	v.spaceMu.Lock()
	for _, in := range infos {
		v.spaces[in.Name] = in.SpaceConfig
	}
	v.spaceMu.Unlock()
	for _, cfg := range declared {
		if err := v.createSpace(ctx, cfg); err != nil {
			return fmt.Errorf("declared space %s: %w", cfg.Name, err)
		}
	}
	return nil
}

// hold takes the write lock shared for an index write; release gives it back.
func (v *vectors) hold()    { v.writeMu.RLock() }
func (v *vectors) release() { v.writeMu.RUnlock() }

// contentChanged tells the serving pipeline that items' content vectors were written or
// deleted, so that its copy of them is read again.
func (v *vectors) contentChanged() {
	if sv := v.snap.Load(); sv != nil {
		sv.pipeline.ContentChanged()
	}
}

// delete removes items from the index. The caller holds the write lock (hold).
func (v *vectors) delete(ctx context.Context, ids []string) error {
	v.dirty.Store(true)
	return v.idx.Delete(ctx, ids)
}

// space returns a space's configuration, if it exists.
func (v *vectors) space(name string) (index.SpaceConfig, bool) {
	v.spaceMu.RLock()
	defer v.spaceMu.RUnlock()
	c, ok := v.spaces[name]
	return c, ok
}

// createSpace creates a space in the index (a no-op when it exists with the same config).
func (v *vectors) createSpace(ctx context.Context, cfg index.SpaceConfig) error {
	if err := v.idx.CreateSpace(ctx, cfg); err != nil {
		return err
	}
	v.spaceMu.Lock()
	v.spaces[cfg.Name] = cfg
	v.spaceMu.Unlock()
	return nil
}

// Spaces lists the vector spaces with their sizes.
func (v *vectors) Spaces(ctx context.Context) ([]index.SpaceInfo, error) {
	return v.idx.Spaces(ctx)
}

// prepareSpaces checks every client vector against its space (dimension, reserved names) and
// creates the spaces seen for the first time, with the dimension of their first vector. It
// creates nothing when any vector is rejected.
func (v *vectors) prepareSpaces(ctx context.Context, items []recd.Item, prefix func(int) string) error {
	pending := map[string]int{}
	var order []string
	for n := range items {
		for name, vec := range items[n].Vectors {
			field := prefix(n) + "vectors." + name
			if trainedSpaces[name] {
				return recd.Unprocessable(field, fmt.Sprintf("space %q is written by training and cannot take client vectors", name))
			}
			dim, ok := pending[name]
			if cfg, exists := v.space(name); exists {
				if cfg.Sparse {
					return recd.Unprocessable(field, fmt.Sprintf("space %q is sparse", name))
				}
				dim, ok = cfg.Dim, true
			}
			if !ok {
				pending[name] = len(vec)
				order = append(order, name)
				continue
			}
			if len(vec) != dim {
				return recd.Unprocessable(field, fmt.Sprintf("has %d dimensions; space %q has %d", len(vec), name, dim))
			}
		}
	}
	for _, name := range order {
		cfg := index.SpaceConfig{Name: name, Dim: pending[name], Metric: index.Cosine}
		if err := v.createSpace(ctx, cfg); err != nil {
			if errors.Is(err, index.ErrSpaceConflict) { // created concurrently with another dimension
				return recd.Unprocessable("vectors."+name, err.Error())
			}
			return fmt.Errorf("create space %s: %w", name, err)
		}
		v.log.Info("created vector space", "space", name, "dim", pending[name])
	}
	return nil
}

func payloadOf(it *recd.Item) index.Payload {
	return index.Payload{Categories: it.Categories, Available: it.Available, Attributes: it.Attributes}
}

// points builds the index points of items: payload, client vectors, content vectors from
// the serving content model, and for items without CF evidence a CF vector projected from
// their content vector. withVectors false leaves the client vectors out (they are indexed
// from the store's vector log).
func (v *vectors) points(items []recd.Item, withVectors bool) []index.Point {
	sv := v.snap.Load()
	_, haveContent := v.space(rank.SpaceContent)
	_, haveSparse := v.space(rank.SpaceContentSparse)
	_, haveCF := v.space(rank.SpaceCF)
	pts := make([]index.Point, 0, len(items))
	for n := range items {
		it := &items[n]
		pt := index.Point{ID: it.ID, Payload: payloadOf(it), Vectors: map[string][]float32{}}
		if withVectors {
			for name, vec := range it.Vectors {
				pt.Vectors[name] = vec
			}
		}
		if sv != nil && sv.content != nil {
			sparse, dense, ok := sv.content.EmbedItem(*it)
			if ok {
				if haveSparse {
					pt.Sparse = map[string]index.SparseVector{rank.SpaceContentSparse: sparse}
				}
				if haveContent {
					pt.Vectors[rank.SpaceContent] = dense
				}
				if haveCF {
					if cf := sv.cfVector(it.ID, dense); cf != nil {
						pt.Vectors[rank.SpaceCF] = cf
					}
				}
			}
		}
		if sv != nil && haveCF && pt.Vectors[rank.SpaceCF] == nil {
			if cf := sv.cfVector(it.ID, nil); cf != nil {
				pt.Vectors[rank.SpaceCF] = cf
			}
		}
		pts = append(pts, pt)
	}
	return pts
}

// indexItems upserts items into the index in batches.
func (v *vectors) indexItems(ctx context.Context, items []recd.Item, withVectors bool) error {
	for i := 0; i < len(items); i += indexBatch {
		if err := v.idx.Upsert(ctx, v.points(items[i:min(i+indexBatch, len(items))], withVectors)); err != nil {
			return fmt.Errorf("index items: %w", err)
		}
	}
	v.dirty.Store(true)
	return nil
}
