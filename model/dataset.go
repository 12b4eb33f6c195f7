// Package model owns the collaborative-filtering models trained from events: popularity
// (Bayesian average and trending), item-kNN, implicit ALS, BPR, EASE and NCF, the
// interaction matrix they train on, training jobs and versions.
package model

import (
	"slices"
	"time"

	"github.com/recd/recd"
)

// Weights maps an event type to its weight. A rating's weight is multiplied by its value.
// Types missing from the map fall back to Default.
type Weights struct {
	ByType  map[string]float64 `json:"by_type" yaml:"by_type"`
	Default float64            `json:"default" yaml:"default"`
}

// DefaultWeights returns the weights used when the configuration names none.
func DefaultWeights() Weights {
	return Weights{
		ByType: map[string]float64{
			recd.EventView:      0.5,
			recd.EventClick:     1,
			recd.EventAddToCart: 2,
			recd.EventPurchase:  4,
			recd.EventLike:      3,
			recd.EventDislike:   -3,
			recd.EventRating:    1, // times the rating value, centred: see Of
		},
		Default: 1,
	}
}

// Of returns an event's weight. Every rating is positive feedback, scaled by its value on a
// 0-5 scale: ByType["rating"] * value / 5.
func (w Weights) Of(e recd.Event) float64 {
	v, ok := w.ByType[e.Type]
	if !ok {
		v = w.Default
	}
	if e.Type == recd.EventRating {
		return v * e.Value / 5
	}
	return v
}

// Dataset is the user×item interaction matrix models train on, in CSR (by user) and CSC
// (by item) form. Only user-item pairs with positive total weight are kept. Read-only after Build.
type Dataset struct {
	Users     []string         // user index -> id
	Items     []string         // item index -> id
	UserIndex map[string]int32 // id -> user index
	ItemIndex map[string]int32 // id -> item index

	// CSR by user: items of user u are UserItems[UserPtr[u]:UserPtr[u+1]] (ascending), with weights.
	UserPtr     []int32
	UserItems   []int32
	UserWeights []float32
	// CSC by item: users of item i are ItemUsers[ItemPtr[i]:ItemPtr[i+1]] (ascending), with weights.
	ItemPtr     []int32
	ItemUsers   []int32
	ItemWeights []float32

	// Per item: number of distinct users, mean rating value (ratings only, 0 if none),
	// and the time of its last event.
	ItemCount      []int32
	ItemMeanRating []float32
	ItemRatings    []int32
	ItemLast       []time.Time
}

// NumUsers returns the number of users.
func (d *Dataset) NumUsers() int { return len(d.Users) }

// NumItems returns the number of items.
func (d *Dataset) NumItems() int { return len(d.Items) }

// NNZ returns the number of stored interactions.
func (d *Dataset) NNZ() int { return len(d.UserItems) }

// UserRow returns user u's item indexes and weights.
func (d *Dataset) UserRow(u int) ([]int32, []float32) {
	a, b := d.UserPtr[u], d.UserPtr[u+1]
	return d.UserItems[a:b], d.UserWeights[a:b]
}

// ItemCol returns item i's user indexes and weights.
func (d *Dataset) ItemCol(i int) ([]int32, []float32) {
	a, b := d.ItemPtr[i], d.ItemPtr[i+1]
	return d.ItemUsers[a:b], d.ItemWeights[a:b]
}

// Builder accumulates events into a Dataset. It keeps 12 bytes an event (the user's and the
// item's index and the event's weight) and merges a pair's events at Build, which needs 8
// more bytes an event for a moment: a map of the pairs took two to three times that at 100M
// events, each pair seen about once.
type Builder struct {
	w     Weights
	users map[string]int32
	items map[string]int32
	uids  []string
	iids  []string
	// the events, one entry each: user and item index, weight
	eu, ei []int32
	ew     []float32
	// per item index: the ratings' sum and count, and the newest event time
	ratings [][2]float64
	last    []time.Time
}

// NewBuilder returns a Builder weighting events by w.
func NewBuilder(w Weights) *Builder {
	return &Builder{w: w, users: map[string]int32{}, items: map[string]int32{}}
}

// Grow makes room for n more events, so that a caller that knows how many are coming (a
// training run counts the store's) spares the copies of growing the arrays event by event.
func (b *Builder) Grow(n int) {
	b.eu, b.ei, b.ew = slices.Grow(b.eu, n), slices.Grow(b.ei, n), slices.Grow(b.ew, n)
}

// AddItem registers an item so that it has an index even without events.
func (b *Builder) AddItem(id string) int32 {
	i, ok := b.items[id]
	if !ok {
		i = int32(len(b.iids))
		b.items[id] = i
		b.iids = append(b.iids, id)
		b.ratings = append(b.ratings, [2]float64{})
		b.last = append(b.last, time.Time{})
	}
	return i
}

func (b *Builder) addUser(id string) int32 {
	u, ok := b.users[id]
	if !ok {
		u = int32(len(b.uids))
		b.users[id] = u
		b.uids = append(b.uids, id)
	}
	return u
}

// Add adds one event.
func (b *Builder) Add(e recd.Event) { b.AddIndex(e) }

// AddIndex adds one event and returns the user's and the item's indexes in the Dataset that
// Build returns, so that a caller can keep the event in a compact form of its own.
func (b *Builder) AddIndex(e recd.Event) (user, item int32) {
	u := b.addUser(e.UserID)
	i := b.AddItem(e.ItemID)
	b.eu, b.ei, b.ew = append(b.eu, u), append(b.ei, i), append(b.ew, float32(b.w.Of(e)))
	if e.Type == recd.EventRating {
		b.ratings[i][0] += e.Value
		b.ratings[i][1]++
	}
	if e.Timestamp.After(b.last[i]) {
		b.last[i] = e.Timestamp
	}
	return u, i
}

// Build returns the Dataset. The Builder must not be used afterwards. A pair's weight is the
// sum of its events' weights in the order they were added (as float32), and only pairs whose
// sum is positive are kept.
func (b *Builder) Build() *Dataset {
	d := &Dataset{Users: b.uids, Items: b.iids, UserIndex: b.users, ItemIndex: b.items}
	nu, ni := len(b.uids), len(b.iids)
	d.UserItems, d.UserWeights, d.UserPtr = b.byUser(nu)
	d.ItemPtr = make([]int32, ni+1)
	for _, i := range d.UserItems {
		d.ItemPtr[i+1]++
	}
	for i := 0; i < ni; i++ {
		d.ItemPtr[i+1] += d.ItemPtr[i]
	}
	d.ItemUsers = make([]int32, len(d.UserItems))
	d.ItemWeights = make([]float32, len(d.UserItems))
	next := append([]int32(nil), d.ItemPtr[:ni]...)
	for u := 0; u < nu; u++ { // users in order, so each column comes out ascending
		for p := d.UserPtr[u]; p < d.UserPtr[u+1]; p++ {
			i := d.UserItems[p]
			d.ItemUsers[next[i]] = int32(u)
			d.ItemWeights[next[i]] = d.UserWeights[p]
			next[i]++
		}
	}
	d.ItemCount = make([]int32, ni)
	d.ItemMeanRating = make([]float32, ni)
	d.ItemRatings = make([]int32, ni)
	d.ItemLast = b.last
	for i := 0; i < ni; i++ {
		d.ItemCount[i] = d.ItemPtr[i+1] - d.ItemPtr[i]
		if r := b.ratings[i]; r[1] > 0 {
			d.ItemMeanRating[i] = float32(r[0] / r[1])
			d.ItemRatings[i] = int32(r[1])
		}
	}
	*b = Builder{}
	return d
}

// byUser turns the events into the CSR rows of nu users: the events grouped by user by a
// counting sort (the Builder's own arrays released as soon as they are read), then each
// user's events sorted by item, stably, and a pair's weights summed in the order added. Pairs
// whose sum is not positive are dropped.
func (b *Builder) byUser(nu int) (items []int32, weights []float32, ptr []int32) {
	ptr = make([]int32, nu+1)
	for _, u := range b.eu {
		ptr[u+1]++
	}
	for u := 0; u < nu; u++ {
		ptr[u+1] += ptr[u]
	}
	items, weights = make([]int32, len(b.eu)), make([]float32, len(b.eu))
	next := append([]int32(nil), ptr[:nu]...)
	for k, u := range b.eu {
		items[next[u]], weights[next[u]] = b.ei[k], b.ew[k]
		next[u]++
	}
	b.eu, b.ei, b.ew = nil, nil, nil
	// Each user's events in place: sort (item, position) keys, then write the merged pairs
	// from the segment's start, which never passes the events still to be read (a copy of
	// the segment's weights is read instead).
	var keys []uint64
	var ws []float32
	out := int32(0)
	for u := 0; u < nu; u++ {
		lo, hi := ptr[u], ptr[u+1]
		keys, ws = keys[:0], append(ws[:0], weights[lo:hi]...)
		for p := lo; p < hi; p++ {
			keys = append(keys, uint64(uint32(items[p]))<<32|uint64(p-lo))
		}
		slices.Sort(keys) // by item, then by position: the order added
		ptr[u] = out
		for a := 0; a < len(keys); {
			i := int32(keys[a] >> 32)
			sum := float32(0)
			for ; a < len(keys) && int32(keys[a]>>32) == i; a++ {
				sum += ws[uint32(keys[a])]
			}
			if sum > 0 {
				items[out], weights[out] = i, sum
				out++
			}
		}
	}
	ptr[nu] = out
	if int(out) < len(items)-len(items)/8 { // many repeats: give the slack back
		items, weights = slices.Clone(items[:out]), slices.Clone(weights[:out])
	}
	return items[:out:out], weights[:out:out], ptr
}
