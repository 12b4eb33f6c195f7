package service

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
	"github.com/recd/recd/store"
)

// catchUpIndex brings a loaded index up to date with the store: client vectors logged after
// the snapshot, and payload and content vectors of items changed since it was taken. A
// missing snapshot re-indexes everything.
func (v *vectors) catchUpIndex(ctx context.Context) error {
	var meta indexMeta
	if b, err := os.ReadFile(v.metaPath()); err == nil {
		_ = json.Unmarshal(b, &meta)
	}
	if snap, ok := v.idx.(index.Snapshotter); ok && snap.LoadedSeq() != meta.Seq {
		meta = indexMeta{} // the state file does not describe this snapshot: start over
	}
	start := time.Now()
	n := 0
	var batch []index.Point
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := v.idx.Upsert(ctx, batch)
		batch = batch[:0]
		return err
	}
	err := v.st.ScanVectors(ctx, meta.Seq, func(r store.VectorRecord) error {
		n++
		if r.Vector == nil {
			if err := flush(); err != nil {
				return err
			}
			return v.idx.Delete(ctx, []string{r.ItemID})
		}
		if _, ok := v.space(r.Space); !ok {
			if err := v.createSpace(ctx, index.SpaceConfig{Name: r.Space, Dim: len(r.Vector), Metric: index.Cosine}); err != nil {
				return err
			}
		}
		pt := index.Point{ID: r.ItemID, Vectors: map[string][]float32{r.Space: r.Vector}}
		if m, ok := v.catalog.Item(r.ItemID); ok {
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
	err = v.st.ScanItems(ctx, func(it recd.Item) error {
		if !it.UpdatedAt.Before(meta.SavedAt.Add(-time.Second)) {
			changed = append(changed, it)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("catch up items: %w", err)
	}
	if err := v.indexItems(ctx, changed, false); err != nil {
		return err
	}
	if n > 0 || len(changed) > 0 {
		v.log.Info("caught up vector index", "vectors", n, "items", len(changed), "elapsed", time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// learnSpaces adds the spaces another replica created in a shared index.
func (v *vectors) learnSpaces(ctx context.Context) error {
	infos, err := v.idx.Spaces(ctx)
	if err != nil {
		return err
	}
	v.spaceMu.Lock()
	for _, in := range infos {
		if _, ok := v.spaces[in.Name]; !ok {
			v.spaces[in.Name] = in.SpaceConfig
		}
	}
	v.spaceMu.Unlock()
	return nil
}

// upsertNewVectors writes the records whose vector the index does not hold yet, creating
// spaces seen for the first time, and returns how many it wrote.
func (v *vectors) upsertNewVectors(ctx context.Context, recs []store.VectorRecord) (int, error) {
	bySpace := map[string][]string{}
	for _, r := range recs {
		bySpace[r.Space] = append(bySpace[r.Space], r.ItemID)
	}
	have := map[string]map[string][]float32{}
	for sp, ids := range bySpace {
		if _, ok := v.space(sp); !ok {
			continue
		}
		got, err := v.idx.Vectors(ctx, sp, ids)
		if err != nil {
			return 0, err
		}
		have[sp] = got
	}
	var pts []index.Point
	at := map[string]int{} // item id -> its point in pts
	n := 0
	for _, r := range recs {
		cfg, ok := v.space(r.Space)
		if ok && sameVector(have[r.Space][r.ItemID], r.Vector, cfg.Metric == index.Cosine) {
			continue
		}
		if !ok {
			if err := v.createSpace(ctx, index.SpaceConfig{Name: r.Space, Dim: len(r.Vector), Metric: index.Cosine}); err != nil {
				return 0, err
			}
		}
		i, ok := at[r.ItemID]
		if !ok {
			pt := index.Point{ID: r.ItemID, Vectors: map[string][]float32{}}
			if m, ok := v.catalog.Item(r.ItemID); ok {
				pt.Payload = index.Payload{Categories: m.Categories, Available: m.Available, Attributes: m.Attributes}
			}
			i = len(pts)
			at[r.ItemID] = i
			pts = append(pts, pt)
		}
		pts[i].Vectors[r.Space] = r.Vector
		n++
	}
	if len(pts) == 0 {
		return 0, nil
	}
	if err := v.idx.Upsert(ctx, pts); err != nil {
		return 0, err
	}
	v.dirty.Store(true)
	return n, nil
}

// sameVector reports whether the index's stored vector is v; a cosine space stores v
// normalised.
func sameVector(stored, v []float32, cosine bool) bool {
	if stored == nil || len(stored) != len(v) {
		return false
	}
	if !cosine {
		return slices.Equal(stored, v)
	}
	var norm float64
	for _, x := range v {
		norm += float64(x) * float64(x)
	}
	if norm == 0 {
		return false
	}
	inv := 1 / math.Sqrt(norm)
	for i, x := range v {
		if math.Abs(float64(stored[i])-float64(x)*inv) > 1e-5 {
			return false
		}
	}
	return true
}
