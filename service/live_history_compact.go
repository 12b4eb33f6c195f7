package service

import (
	"slices"
	"strings"
	"time"

	"github.com/recd/recd/model"
	"github.com/recd/recd/rank"
)

// This file holds the compact form of the live histories: item ids interned once, and each
// user's history one slice of fixed-size entries with no pointers, kept sorted by item id.
// A history of n items costs 32n bytes (plus one slice header), whatever the events behind it.

// itemIDs interns the item ids the histories name: one string per item, an int32 index per
// entry. Indexes are never reused, so the table holds every item ever named by an event: it is
// bounded by the catalog's history, not by the events. Not safe for concurrent use:
// memState.mu guards it (through histories).
type itemIDs struct {
	index map[string]int32
	ids   []string
}

func newItemIDs() itemIDs { return itemIDs{index: map[string]int32{}} }

// intern returns id's index, adding it when new. The id is copied, so that the table never
// keeps alive a larger buffer the caller's string was cut from (a decoded row or request).
func (t *itemIDs) intern(id string) int32 {
	if n, ok := t.index[id]; ok {
		return n
	}
	id = strings.Clone(id)
	n := int32(len(t.ids))
	t.ids = append(t.ids, id)
	t.index[id] = n
	return n
}

// order returns each interned id's rank in item id (string) order, so that entries can be
// sorted by comparing int32s.
func (t *itemIDs) order() []int32 {
	byID := make([]int32, len(t.ids))
	for i := range byID {
		byID[i] = int32(i)
	}
	slices.SortFunc(byID, func(a, b int32) int { return strings.Compare(t.ids[a], t.ids[b]) })
	rank := make([]int32, len(t.ids))
	for r, i := range byID {
		rank[i] = int32(r)
	}
	return rank
}

// histEntry is what a user's events on one item add up to: 32 bytes, no pointers.
type histEntry struct {
	item int32 // index in itemIDs
	// lastNano and lastSec are the newest event's time (time.Unix form, UTC).
	lastNano int32
	lastSec  int64
	w        float64 // summed event weights
	// mass is what the user's events on the item added to the trending counter (log space,
	// see model.Trending.Contribution), which their deletion removes.
	mass float64
}

// newer reports whether t is after the entry's newest event.
func (he *histEntry) newer(t time.Time) bool {
	s, ns := t.Unix(), int32(t.Nanosecond())
	return s > he.lastSec || (s == he.lastSec && ns > he.lastNano)
}

func (he *histEntry) setLast(t time.Time) { he.lastSec, he.lastNano = t.Unix(), int32(t.Nanosecond()) }

func (he *histEntry) last() time.Time { return time.Unix(he.lastSec, int64(he.lastNano)).UTC() }

// zeroSec is time.Time{}'s Unix seconds: an entry's "no event yet".
var zeroSec = time.Time{}.Unix()

// find returns the position of item id in the entries (sorted by item id), and whether it is
// there; when not, the position is where it goes.
func (u *history) find(ids *itemIDs, id string) (int, bool) {
	return slices.BinarySearchFunc(u.ents, id, func(he histEntry, id string) int {
		return strings.Compare(ids.ids[he.item], id)
	})
}

// entry returns the entry for item id, inserting an empty one in item id order when new.
func (u *history) entry(ids *itemIDs, id string, empty histEntry) *histEntry {
	i, ok := u.find(ids, id)
	if !ok {
		empty.item = ids.intern(id)
		u.ents = slices.Insert(u.ents, i, empty)
	}
	return &u.ents[i]
}

// interactions copies the history out in item id order.
func (u *history) interactions(ids *itemIDs) []rank.Interaction {
	out := make([]rank.Interaction, len(u.ents))
	for i := range u.ents {
		he := &u.ents[i]
		out[i] = rank.Interaction{ItemID: ids.ids[he.item], Weight: he.w, Last: he.last()}
	}
	return out
}

// merge sorts entries appended in event order by item id (rank from itemIDs.order) and
// folds the entries of one item into the first, in event order: weights summed left to
// right, trending masses added in log space, the newest time kept. The result is what apply
// gives event by event.
// A nil rank sorts by the interned index instead: the bulk load's interim compaction, whose
// result the final merge (stable, so the compacted entry stays ahead of later events on the
// same item) merges again to the same sums.
func (u *history) merge(rank []int32) {
	if rank != nil && sortedEntries(u.ents, rank) {
		return // already one entry per item in order: a history restored from a snapshot
	}
	if rank == nil {
		slices.SortStableFunc(u.ents, func(a, b histEntry) int { return int(a.item) - int(b.item) })
	} else {
		slices.SortStableFunc(u.ents, func(a, b histEntry) int { return int(rank[a.item]) - int(rank[b.item]) })
	}
	u.ents = foldSorted(u.ents)
}

// foldSorted folds runs of entries of one item (adjacent, in event order) into their first:
// weights summed left to right, trending masses added in log space, the newest time kept.
// It works in place and returns the shortened slice.
func foldSorted(ents []histEntry) []histEntry {
	out := ents[:0]
	for _, he := range ents {
		if k := len(out) - 1; k >= 0 && out[k].item == he.item {
			o := &out[k]
			o.w += he.w
			o.mass = model.LogAddExp(o.mass, he.mass)
			if he.lastSec > o.lastSec || (he.lastSec == o.lastSec && he.lastNano > o.lastNano) {
				o.lastSec, o.lastNano = he.lastSec, he.lastNano
			}
			continue
		}
		out = append(out, he)
	}
	return out
}

// findIn is find over the first head entries only.
func (u *history) findIn(ids *itemIDs, id string, head int) (int, bool) {
	return slices.BinarySearchFunc(u.ents[:head], id, func(he histEntry, id string) int {
		return strings.Compare(ids.ids[he.item], id)
	})
}

// mergeTail puts the entries appended after the sorted first head entries (one per event, on
// items the head does not hold, in event order) into item id order: the tail is sorted and
// folded as merge does, then each of its entries goes to its place in the head with one
// memmove per block of head entries, so a batch costs one pass over the history however many
// new items it brings.
func (u *history) mergeTail(ids *itemIDs, head int) {
	tail := u.ents[head:]
	slices.SortStableFunc(tail, func(a, b histEntry) int { return strings.Compare(ids.ids[a.item], ids.ids[b.item]) })
	run := slices.Clone(foldSorted(tail))
	pos := make([]int, len(run))
	for j := range run {
		pos[j], _ = u.findIn(ids, ids.ids[run[j].item], head)
	}
	u.ents = u.ents[:head+len(run)]
	end := head // head entries [pos[j], end) move up by j+1
	for j := len(run) - 1; j >= 0; j-- {
		copy(u.ents[pos[j]+j+1:end+j+1], u.ents[pos[j]:end])
		u.ents[pos[j]+j] = run[j]
		end = pos[j]
	}
}

// trim gives back the spare capacity appends left (up to half of a slice), once a bulk load
// is done.
func (u *history) trim() {
	if cap(u.ents)-len(u.ents) > len(u.ents)/8 {
		u.ents = slices.Clone(u.ents)
	}
}
