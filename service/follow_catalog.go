package service

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/store"
)

// followChanges applies the store's catalog change feed after the last change seen: item
// puts update the live catalog and the index (payload, content and projected CF vectors),
// item deletes remove the item, user deletes forget the user. A change this replica made
// itself finds the live state already equal and costs a comparison. The live catalog is
// updated after the index write succeeds, so a failed write is found unequal and redone on
// the next pass. No lock is held while the store is read. The caller holds follow.mu.
func (s *Service) followChanges(ctx context.Context) error {
	cf, ok := s.st.(store.ChangeFeed)
	if !ok {
		return nil
	}
	var puts []recd.Item
	changed := false
	last := s.follow.changeSeq
	flush := func() error {
		if len(puts) == 0 {
			return nil
		}
		if !s.follow.shared {
			s.writeMu.RLock()
			err := s.indexItems(ctx, puts, false)
			s.writeMu.RUnlock()
			if err != nil {
				return err
			}
		}
		s.mu.Lock()
		for n := range puts {
			s.catalog[puts[n].ID] = metaOf(&puts[n])
		}
		s.mu.Unlock()
		s.follow.status.Changes += int64(len(puts))
		changed = true
		puts = puts[:0]
		return nil
	}
	err := cf.ScanChanges(ctx, last, func(c store.Change) error {
		switch {
		case c.Kind == store.ChangeItem && !c.Deleted && c.Item != nil:
			m := metaOf(c.Item)
			s.mu.RLock()
			old := s.catalog[c.ID]
			same := old != nil && sameMeta(old, m)
			s.mu.RUnlock()
			if !same {
				puts = append(puts, *c.Item)
				if len(puts) >= indexBatch {
					if err := flush(); err != nil {
						return err
					}
				}
			}
		case c.Kind == store.ChangeItem && c.Deleted:
			if _, had := s.Item(c.ID); had {
				if err := flush(); err != nil { // a put of the same id earlier in this scan
					return err
				}
				if !s.follow.shared {
					s.writeMu.RLock()
					err := s.idx.Delete(ctx, []string{c.ID})
					s.dirty.Store(true)
					s.writeMu.RUnlock()
					if err != nil {
						return fmt.Errorf("index delete %s: %w", c.ID, err)
					}
				}
				s.mu.Lock()
				delete(s.catalog, c.ID)
				s.mu.Unlock()
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
				s.sources.Forget(c.ID)
				s.follow.status.Changes++
				// Events of the user written after the delete may have been applied by an
				// earlier pass: rebuild the user's history from what the store holds now.
				if err := s.reloadUser(ctx, c.ID); err != nil {
					return err
				}
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
		s.sources.CatalogChanged()
		s.contentChanged()
	}
	if err != nil {
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
	var batch []store.VectorRecord
	// flush writes the batch under writeMu and records how far the index holds the log, so
	// an index snapshot (which takes writeMu exclusively) records a sequence it holds.
	flush := func(upTo int64) error {
		s.writeMu.RLock()
		defer s.writeMu.RUnlock()
		if len(batch) > 0 {
			n, err := s.upsertNewVectors(ctx, batch)
			s.follow.status.Vectors += int64(n)
			batch = batch[:0]
			if err != nil {
				return err
			}
		}
		s.follow.vectorSeq = upTo
		s.follow.indexedVectorSeq.Store(upTo)
		return nil
	}
	err := s.st.ScanVectors(ctx, last, func(r store.VectorRecord) error {
		if r.Vector == nil {
			if _, ok := s.Item(r.ItemID); !ok {
				if err := flush(last); err != nil {
					return err
				}
				s.writeMu.RLock()
				err := s.idx.Delete(ctx, []string{r.ItemID})
				s.writeMu.RUnlock()
				if err != nil {
					return err
				}
			}
		} else {
			batch = append(batch, r)
		}
		last = r.Seq
		if len(batch) >= indexBatch {
			return flush(last)
		}
		return nil
	})
	if err == nil {
		err = flush(last)
	}
	if err != nil {
		return fmt.Errorf("follow vectors: %w", err)
	}
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

// sameMeta reports whether two catalog entries are equal as the store keeps them: nil and
// empty lists and maps are the same, and attributes compare by their JSON (a number is the
// same whether a client sent 1995 or the store decoded 1995.0).
func sameMeta(a, b *rank.ItemMeta) bool {
	if a.Title != b.Title || a.Available != b.Available || !slices.Equal(a.Categories, b.Categories) ||
		!slices.Equal(a.Tags, b.Tags) {
		return false
	}
	if len(a.Attributes) == 0 || len(b.Attributes) == 0 {
		return len(a.Attributes) == len(b.Attributes)
	}
	ja, errA := json.Marshal(a.Attributes)
	jb, errB := json.Marshal(b.Attributes)
	return errA == nil && errB == nil && string(ja) == string(jb)
}

// reloadUser applies every event the store holds for a user whose live history was just
// forgotten, marking them applied so the event pass does not apply them again.
func (s *Service) reloadUser(ctx context.Context, id string) error {
	cursor := ""
	for {
		evs, next, err := s.st.UserEvents(ctx, id, cursor, 1000)
		if err != nil {
			return fmt.Errorf("reload user %s: %w", id, err)
		}
		s.mu.Lock()
		for n := range evs {
			s.follow.applied.add(evs[n].Seq)
			s.apply(&evs[n])
		}
		s.mu.Unlock()
		if cursor = next; cursor == "" {
			return nil
		}
	}
}
