package service

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/recd/recd"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/store"
)

// followChanges applies the store's catalog change feed after the last change seen: item
// puts update the live catalog and the index (payload, content and projected CF vectors),
// item deletes remove the item, user deletes forget the user. A change this replica made
// itself finds the live state already equal and costs a comparison. The live catalog is
// updated after the index write succeeds, so a failed write is found unequal and redone on
// the next pass. No lock is held while the store is read. The caller holds f.mu.
func (f *follower) followChanges(ctx context.Context) error {
	cf, ok := f.st.(store.ChangeFeed)
	if !ok {
		return nil
	}
	p := &catalogPass{f: f, ctx: ctx}
	last := f.changeSeq
	err := cf.ScanChanges(ctx, last, func(c store.Change) error {
		if err := p.apply(&c); err != nil {
			return err
		}
		last = c.Seq
		return nil
	})
	if err == nil {
		err = p.flush()
	}
	if p.changed {
		f.live.responses().catalogChanged()
		f.live.sourceCache().CatalogChanged()
		f.vec.contentChanged()
	}
	if err != nil {
		return fmt.Errorf("follow catalog changes: %w", err)
	}
	f.changeSeq = last
	return nil
}

// catalogPass is one pass of followChanges: item puts are batched (indexBatch at a time).
type catalogPass struct {
	f       *follower
	ctx     context.Context
	puts    []recd.Item
	changed bool // the catalog changed: cached answers must go
}

func (p *catalogPass) apply(c *store.Change) error {
	switch {
	case c.Kind == store.ChangeItem && !c.Deleted && c.Item != nil:
		if p.f.live.sameItem(c.ID, metaOf(c.Item)) {
			return nil
		}
		p.puts = append(p.puts, *c.Item)
		if len(p.puts) >= indexBatch {
			return p.flush()
		}
	case c.Kind == store.ChangeItem && c.Deleted:
		return p.deleteItem(c.ID)
	case c.Kind == store.ChangeUser && c.Deleted:
		return p.deleteUser(c.ID)
	}
	return nil
}

// flush indexes the batched puts (unless the index is shared) and then applies them to the
// live catalog.
func (p *catalogPass) flush() error {
	if len(p.puts) == 0 {
		return nil
	}
	f := p.f
	if !f.shared {
		f.vec.hold()
		err := f.vec.indexItems(p.ctx, p.puts, false)
		f.vec.release()
		if err != nil {
			return err
		}
	}
	f.live.setItems(p.puts)
	f.status.Changes += int64(len(p.puts))
	p.changed = true
	p.puts = p.puts[:0]
	return nil
}

func (p *catalogPass) deleteItem(id string) error {
	f := p.f
	if _, had := f.live.Item(id); !had {
		return nil
	}
	if err := p.flush(); err != nil { // a put of the same id earlier in this scan
		return err
	}
	if !f.shared {
		f.vec.hold()
		err := f.vec.delete(p.ctx, []string{id})
		f.vec.release()
		if err != nil {
			return fmt.Errorf("index delete %s: %w", id, err)
		}
	}
	f.live.dropItem(id)
	p.changed = true
	f.status.Changes++
	return nil
}

func (p *catalogPass) deleteUser(id string) error {
	f := p.f
	// Events of the user written after the delete may have been applied by an earlier
	// pass: once the user is erased, rebuild their history from what the store holds now.
	held, err := f.forget(p.ctx, id, func() error { return f.reloadUser(p.ctx, id) })
	if held {
		f.status.Changes++
	}
	return err
}

// followVectors applies the vector log after the last record seen: client vectors written
// through other replicas. A vector the index already holds (this replica's own write) is
// not written again. A tombstone of an item still in the catalog dropped one space's vector
// and is left to the next full catch-up; the item's delete comes through the change feed.
// The caller holds f.mu.
func (f *follower) followVectors(ctx context.Context) error {
	if f.shared {
		// The writer put them into the shared index; learn the spaces it created.
		if err := f.vec.learnSpaces(ctx); err != nil {
			return fmt.Errorf("follow vector spaces: %w", err)
		}
		return nil
	}
	last := f.vectorSeq
	var batch []store.VectorRecord
	// flush writes the batch under the index write lock and records how far the index holds
	// the log, so an index snapshot (which takes the lock exclusively) records a sequence it
	// holds.
	flush := func(upTo int64) error {
		f.vec.hold()
		defer f.vec.release()
		if len(batch) > 0 {
			n, err := f.vec.upsertNewVectors(ctx, batch)
			f.status.Vectors += int64(n)
			batch = batch[:0]
			if err != nil {
				return err
			}
		}
		f.vectorSeq = upTo
		f.vec.indexedSeq.Store(upTo)
		return nil
	}
	err := f.st.ScanVectors(ctx, last, func(r store.VectorRecord) error {
		if r.Vector == nil {
			if _, ok := f.live.Item(r.ItemID); !ok {
				if err := flush(last); err != nil {
					return err
				}
				f.vec.hold()
				err := f.vec.idx.Delete(ctx, []string{r.ItemID})
				f.vec.release()
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
func (f *follower) reloadUser(ctx context.Context, id string) error {
	cursor := ""
	for {
		evs, next, err := f.st.UserEvents(ctx, id, cursor, 1000)
		if err != nil {
			return fmt.Errorf("reload user %s: %w", id, err)
		}
		f.live.reapply(evs)
		if cursor = next; cursor == "" {
			return nil
		}
	}
}
