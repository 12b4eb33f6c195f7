package service

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"slices"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
	"github.com/recd/recd/store"
)

// followChanges applies the store's catalog change feed after the last change seen: item
// puts update the live catalog and the index (payload, content and projected CF vectors),
// item deletes remove the item, user deletes forget the user. A change this replica made
// itself finds the live state already equal and costs a comparison. The caller holds
// follow.mu.
func (s *Service) followChanges(ctx context.Context) error {
	cf, ok := s.st.(store.ChangeFeed)
	if !ok {
		return nil
	}
	var puts []recd.Item
	changed := false
	last := s.follow.changeSeq
	s.writeMu.RLock()
	defer s.writeMu.RUnlock()
	flush := func() error {
		if len(puts) == 0 || s.follow.shared {
			puts = puts[:0]
			return nil
		}
		err := s.indexItems(ctx, puts, false)
		puts = puts[:0]
		return err
	}
	err := cf.ScanChanges(ctx, last, func(c store.Change) error {
		switch {
		case c.Kind == store.ChangeItem && !c.Deleted && c.Item != nil:
			m := metaOf(c.Item)
			s.mu.Lock()
			old := s.catalog[c.ID]
			same := old != nil && reflect.DeepEqual(*old, *m)
			if !same {
				s.catalog[c.ID] = m
			}
			s.mu.Unlock()
			if !same {
				puts = append(puts, *c.Item)
				changed = true
				s.follow.status.Changes++
				if len(puts) >= indexBatch {
					if err := flush(); err != nil {
						return err
					}
				}
			}
		case c.Kind == store.ChangeItem && c.Deleted:
			s.mu.Lock()
			_, had := s.catalog[c.ID]
			delete(s.catalog, c.ID)
			s.mu.Unlock()
			if had {
				if err := flush(); err != nil { // a put of the same id earlier in this scan
					return err
				}
				if !s.follow.shared {
					if err := s.idx.Delete(ctx, []string{c.ID}); err != nil {
						return fmt.Errorf("index delete %s: %w", c.ID, err)
					}
					s.dirty.Store(true)
				}
				changed = true
				s.follow.status.Changes++
			}
		case c.Kind == store.ChangeUser && c.Deleted:
			s.mu.Lock()
			_, had := s.hist[c.ID]
			s.forget(c.ID)
			s.mu.Unlock()
			if had {
				s.sessions.Forget(c.ID)
				s.follow.status.Changes++
			}
		}
		last = c.Seq
		return nil
	})
	if err == nil {
		err = flush()
	}
	if changed {
		s.cache.catalogChanged()
	}
	if err != nil {
		// Changes up to last are in the live state; their index writes are redone next pass.
		return fmt.Errorf("follow catalog changes: %w", err)
	}
	s.follow.changeSeq = last
	return nil
}

// followVectors applies the vector log after the last record seen: client vectors written
// through other replicas. A vector the index already holds (this replica's own write) is
// not written again. A tombstone of an item still in the catalog dropped one space's vector
// and is left to the next full catch-up; the item's delete comes through the change feed.
// The caller holds follow.mu.
func (s *Service) followVectors(ctx context.Context) error {
	if s.follow.shared {
		// The writer put them into the shared index; learn the spaces it created.
		infos, err := s.idx.Spaces(ctx)
		if err != nil {
			return fmt.Errorf("follow vector spaces: %w", err)
		}
		s.spaceMu.Lock()
		for _, in := range infos {
			if _, ok := s.spaces[in.Name]; !ok {
				s.spaces[in.Name] = in.SpaceConfig
			}
		}
		s.spaceMu.Unlock()
		return nil
	}
	last := s.follow.vectorSeq
	s.writeMu.RLock()
	defer s.writeMu.RUnlock()
	var batch []store.VectorRecord
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		n, err := s.upsertNewVectors(ctx, batch)
		s.follow.status.Vectors += int64(n)
		batch = batch[:0]
		return err
	}
	err := s.st.ScanVectors(ctx, last, func(r store.VectorRecord) error {
		if r.Vector == nil {
			if _, ok := s.Item(r.ItemID); !ok {
				if err := flush(); err != nil {
					return err
				}
				if err := s.idx.Delete(ctx, []string{r.ItemID}); err != nil {
					return err
				}
			}
		} else {
			batch = append(batch, r)
			if len(batch) >= indexBatch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		last = r.Seq
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return fmt.Errorf("follow vectors: %w", err)
	}
	s.follow.vectorSeq = last
	return nil
}

// upsertNewVectors writes the records whose vector the index does not hold yet, creating
// spaces seen for the first time, and returns how many it wrote.
func (s *Service) upsertNewVectors(ctx context.Context, recs []store.VectorRecord) (int, error) {
	bySpace := map[string][]string{}
	for _, r := range recs {
		bySpace[r.Space] = append(bySpace[r.Space], r.ItemID)
	}
	have := map[string]map[string][]float32{}
	for sp, ids := range bySpace {
		if _, ok := s.space(sp); !ok {
			continue
		}
		got, err := s.idx.Vectors(ctx, sp, ids)
		if err != nil {
			return 0, err
		}
		have[sp] = got
	}
	var pts []index.Point
	at := map[string]int{} // item id -> its point in pts
	n := 0
	for _, r := range recs {
		cfg, ok := s.space(r.Space)
		if ok && sameVector(have[r.Space][r.ItemID], r.Vector, cfg.Metric == index.Cosine) {
			continue
		}
		if !ok {
			if err := s.createSpace(ctx, index.SpaceConfig{Name: r.Space, Dim: len(r.Vector), Metric: index.Cosine}); err != nil {
				return 0, err
			}
		}
		i, ok := at[r.ItemID]
		if !ok {
			pt := index.Point{ID: r.ItemID, Vectors: map[string][]float32{}}
			if m, ok := s.Item(r.ItemID); ok {
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
	if err := s.idx.Upsert(ctx, pts); err != nil {
		return 0, err
	}
	s.dirty.Store(true)
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
