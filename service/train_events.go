package service

import (
	"math"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/model"
	"github.com/recd/recd/rank"
)

// noTime marks an event without a timestamp in trainEvents.nanos.
const noTime = math.MinInt64

// trainEvents is the compact form of the events a training run reads, kept for the learned
// ranker's label split and refits: one entry per event in the store's Seq order, with the
// user and the item as indexes into the run's dataset (Dataset.Users, Dataset.Items), the type
// as an index into types, the value, and the time in Unix nanoseconds (noTime for none). That
// is 28 bytes an event, where a []recd.Event held 128 bytes and two strings; an event is
// rebuilt on demand with the dataset's strings (event), so nothing is copied per event.
// Since the order is Seq order, an event's position also breaks ties of equal times as its
// Seq would. Filled by read, read-only afterwards.
type trainEvents struct {
	user, item, typ []int32
	value           []float64
	nanos           []int64
	types           []string
	typeIndex       map[string]int32
}

// newTrainEvents returns an empty trainEvents with room for n events (the store's count when
// the run started: more are appended as they come, fewer leave the rest unused).
func newTrainEvents(n int) *trainEvents {
	return &trainEvents{typeIndex: map[string]int32{}, user: make([]int32, 0, n), item: make([]int32, 0, n),
		typ: make([]int32, 0, n), value: make([]float64, 0, n), nanos: make([]int64, 0, n)}
}

// add appends event e, whose user and item have indexes u and i.
func (te *trainEvents) add(u, i int32, e recd.Event) {
	t, ok := te.typeIndex[e.Type]
	if !ok {
		t = int32(len(te.types))
		te.typeIndex[e.Type] = t
		te.types = append(te.types, e.Type)
	}
	ns := int64(noTime)
	if !e.Timestamp.IsZero() {
		ns = e.Timestamp.UnixNano()
	}
	te.user, te.item, te.typ = append(te.user, u), append(te.item, i), append(te.typ, t)
	te.value, te.nanos = append(te.value, e.Value), append(te.nanos, ns)
}

func (te *trainEvents) len() int { return len(te.user) }

// time returns event k's timestamp (zero when it had none).
func (te *trainEvents) time(k int32) time.Time {
	if te.nanos[k] == noTime {
		return time.Time{}
	}
	return time.Unix(0, te.nanos[k]).UTC()
}

// event rebuilds event k with d's id strings: what a model's Builder and the event weights read.
func (te *trainEvents) event(k int32, d *model.Dataset) recd.Event {
	return recd.Event{UserID: d.Users[te.user[k]], ItemID: d.Items[te.item[k]], Type: te.types[te.typ[k]],
		Value: te.value[k], Timestamp: te.time(k)}
}

// before orders events k and j by time, then by position (Seq order).
func (te *trainEvents) before(k, j int32) bool {
	if te.nanos[k] != te.nanos[j] {
		return te.nanos[k] < te.nanos[j]
	}
	return k < j
}

// userOrder groups event positions by user: user u's events are order[ptr[u]:ptr[u+1]], in
// Seq order. 4 bytes an event.
type userOrder struct{ ptr, order []int32 }

// byUser groups the events of nUsers users by a counting sort.
func (te *trainEvents) byUser(nUsers int) userOrder {
	g := userOrder{ptr: make([]int32, nUsers+1), order: make([]int32, te.len())}
	for _, u := range te.user {
		g.ptr[u+1]++
	}
	for u := range nUsers {
		g.ptr[u+1] += g.ptr[u]
	}
	next := append([]int32(nil), g.ptr[:nUsers]...)
	for k, u := range te.user {
		g.order[next[u]] = int32(k)
		next[u]++
	}
	return g
}

func (g userOrder) events(u int32) []int32 { return g.order[g.ptr[u]:g.ptr[u+1]] }

// itemTimes collects the times of the events that keep accepts per item, at the index that
// index gives an event's item (negative: skipped); events without a time are skipped. It
// reads the events where they are, with no copy of them.
func (te *trainEvents) itemTimes(n int, keep func(k int32) bool, index func(item int32) int32) *rank.ItemTimes {
	return rank.NewItemTimesFunc(n, func(yield func(item int32, t int64)) {
		for k := range int32(te.len()) {
			if te.nanos[k] == noTime || !keep(k) {
				continue
			}
			if i := index(te.item[k]); i >= 0 {
				yield(i, te.time(k).Unix())
			}
		}
	})
}
