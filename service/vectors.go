package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/store"
)

// trainedSpaces are written by training; clients cannot write vectors into them.
var trainedSpaces = map[string]bool{rank.SpaceCF: true, rank.SpaceContent: true, rank.SpaceContentSparse: true}

// indexBatch is how many points are upserted into the index at once.
const indexBatch = 1000

// space returns a space's configuration, if it exists.
func (s *Service) space(name string) (index.SpaceConfig, bool) {
	s.spaceMu.RLock()
	defer s.spaceMu.RUnlock()
	c, ok := s.spaces[name]
	return c, ok
}

// createSpace creates a space in the index (a no-op when it exists with the same config).
func (s *Service) createSpace(ctx context.Context, cfg index.SpaceConfig) error {
	if err := s.idx.CreateSpace(ctx, cfg); err != nil {
		return err
	}
	s.spaceMu.Lock()
	s.spaces[cfg.Name] = cfg
	s.spaceMu.Unlock()
	return nil
}

// Spaces lists the vector spaces with their sizes.
func (s *Service) Spaces(ctx context.Context) ([]index.SpaceInfo, error) {
	return s.idx.Spaces(ctx)
}

// prepareSpaces checks every client vector against its space (dimension, reserved names) and
// creates the spaces seen for the first time, with the dimension of their first vector. It
// creates nothing when any vector is rejected.
func (s *Service) prepareSpaces(ctx context.Context, items []recd.Item, prefix func(int) string) error {
	pending := map[string]int{}
	var order []string
	for n := range items {
		for name, v := range items[n].Vectors {
			field := prefix(n) + "vectors." + name
			if trainedSpaces[name] {
				return recd.Unprocessable(field, fmt.Sprintf("space %q is written by training and cannot take client vectors", name))
			}
			dim, ok := pending[name]
			if cfg, exists := s.space(name); exists {
				if cfg.Sparse {
					return recd.Unprocessable(field, fmt.Sprintf("space %q is sparse", name))
				}
				dim, ok = cfg.Dim, true
			}
			if !ok {
				pending[name] = len(v)
				order = append(order, name)
				continue
			}
			if len(v) != dim {
				return recd.Unprocessable(field, fmt.Sprintf("has %d dimensions; space %q has %d", len(v), name, dim))
			}
		}
	}
	for _, name := range order {
		cfg := index.SpaceConfig{Name: name, Dim: pending[name], Metric: index.Cosine}
		if err := s.createSpace(ctx, cfg); err != nil {
			if errors.Is(err, index.ErrSpaceConflict) { // created concurrently with another dimension
				return recd.Unprocessable("vectors."+name, err.Error())
			}
			return fmt.Errorf("create space %s: %w", name, err)
		}
		s.log.Info("created vector space", "space", name, "dim", pending[name])
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
func (s *Service) points(items []recd.Item, withVectors bool) []index.Point {
	sv := s.snap.Load()
	_, haveContent := s.space(rank.SpaceContent)
	_, haveSparse := s.space(rank.SpaceContentSparse)
	_, haveCF := s.space(rank.SpaceCF)
	pts := make([]index.Point, 0, len(items))
	for n := range items {
		it := &items[n]
		pt := index.Point{ID: it.ID, Payload: payloadOf(it), Vectors: map[string][]float32{}}
		if withVectors {
			for name, v := range it.Vectors {
				pt.Vectors[name] = v
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
func (s *Service) indexItems(ctx context.Context, items []recd.Item, withVectors bool) error {
	for i := 0; i < len(items); i += indexBatch {
		if err := s.idx.Upsert(ctx, s.points(items[i:min(i+indexBatch, len(items))], withVectors)); err != nil {
			return fmt.Errorf("index items: %w", err)
		}
	}
	s.dirty.Store(true)
	return nil
}

// indexMeta is written beside an index snapshot: how far it caught up with the store.
type indexMeta struct {
	Seq     int64     `json:"seq"`
	SavedAt time.Time `json:"saved_at"`
}

func (s *Service) metaPath() string { return filepath.Join(s.opts.StateDir, "index-state.json") }

// SaveIndex snapshots the index, if it persists itself, with the vector-log sequence it holds.
// Writes wait while the snapshot is taken, so the sequence and the contents agree.
func (s *Service) SaveIndex(ctx context.Context) error {
	snap, ok := s.idx.(index.Snapshotter)
	if !ok || s.opts.StateDir == "" {
		return nil
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	var seq int64
	if vs, ok := s.st.(store.VectorSeqer); ok {
		var err error
		if seq, err = vs.MaxVectorSeq(ctx); err != nil {
			return err
		}
	}
	seq = s.follow.snapshotSeq(seq) // other replicas' vectors the follower has not applied yet are not in it
	start := time.Now()
	if err := snap.Save(seq); err != nil {
		return fmt.Errorf("save index: %w", err)
	}
	b, _ := json.Marshal(indexMeta{Seq: seq, SavedAt: start.UTC()})
	if err := writeFileAtomic(s.metaPath(), b); err != nil {
		return fmt.Errorf("save index state: %w", err)
	}
	s.dirty.Store(false)
	s.log.Info("saved vector index", "seq", seq, "elapsed", time.Since(start).Round(time.Millisecond))
	return nil
}

// RunPeriodicSave snapshots the index every interval while it has unsaved writes.
func (s *Service) RunPeriodicSave(ctx context.Context, every time.Duration) {
	if every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if s.dirty.Load() {
				if err := s.SaveIndex(ctx); err != nil {
					s.log.Error("periodic index save failed", "err", err)
				}
			}
		}
	}
}

// catchUpIndex brings a loaded index up to date with the store: client vectors logged after
// the snapshot, and payload and content vectors of items changed since it was taken. A
// missing snapshot re-indexes everything.
func (s *Service) catchUpIndex(ctx context.Context) error {
	var meta indexMeta
	if b, err := os.ReadFile(s.metaPath()); err == nil {
		_ = json.Unmarshal(b, &meta)
	}
	if snap, ok := s.idx.(index.Snapshotter); ok && snap.LoadedSeq() != meta.Seq {
		meta = indexMeta{} // the state file does not describe this snapshot: start over
	}
	start := time.Now()
	n := 0
	var batch []index.Point
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := s.idx.Upsert(ctx, batch)
		batch = batch[:0]
		return err
	}
	err := s.st.ScanVectors(ctx, meta.Seq, func(r store.VectorRecord) error {
		n++
		if r.Vector == nil {
			if err := flush(); err != nil {
				return err
			}
			return s.idx.Delete(ctx, []string{r.ItemID})
		}
		if _, ok := s.space(r.Space); !ok {
			if err := s.createSpace(ctx, index.SpaceConfig{Name: r.Space, Dim: len(r.Vector), Metric: index.Cosine}); err != nil {
				return err
			}
		}
		pt := index.Point{ID: r.ItemID, Vectors: map[string][]float32{r.Space: r.Vector}}
		if m, ok := s.Item(r.ItemID); ok {
			pt.Payload = index.Payload{Categories: m.Categories, Available: m.Available, Attributes: m.Attributes}
		}
		batch = append(batch, pt)
		if len(batch) >= indexBatch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return fmt.Errorf("catch up vectors: %w", err)
	}
	var changed []recd.Item
	err = s.st.ScanItems(ctx, func(it recd.Item) error {
		if !it.UpdatedAt.Before(meta.SavedAt.Add(-time.Second)) {
			changed = append(changed, it)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("catch up items: %w", err)
	}
	if err := s.indexItems(ctx, changed, false); err != nil {
		return err
	}
	if n > 0 || len(changed) > 0 {
		s.log.Info("caught up vector index", "vectors", n, "items", len(changed), "elapsed", time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// writeFileAtomic writes a file by writing a temporary file, syncing and renaming it.
func writeFileAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
