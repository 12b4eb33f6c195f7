// Package model owns the collaborative-filtering models trained from events: popularity
// (Bayesian average and trending), item-kNN, implicit ALS, BPR, EASE and NCF, the
// interaction matrix they train on, training jobs and versions.
package model

import (
	"sort"
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

// Builder accumulates events into a Dataset.
type Builder struct {
	w       Weights
	users   map[string]int32
	items   map[string]int32
	uids    []string
	iids    []string
	cells   map[uint64]float32
	ratings map[int32][2]float64 // sum, count
	last    map[int32]time.Time
}

// NewBuilder returns a Builder weighting events by w.
func NewBuilder(w Weights) *Builder {
	return &Builder{w: w, users: map[string]int32{}, items: map[string]int32{},
		cells: map[uint64]float32{}, ratings: map[int32][2]float64{}, last: map[int32]time.Time{}}
}

// AddItem registers an item so that it has an index even without events.
func (b *Builder) AddItem(id string) int32 {
	i, ok := b.items[id]
	if !ok {
		i = int32(len(b.iids))
		b.items[id] = i
		b.iids = append(b.iids, id)
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
	b.cells[uint64(u)<<32|uint64(uint32(i))] += float32(b.w.Of(e))
	if e.Type == recd.EventRating {
		r := b.ratings[i]
		b.ratings[i] = [2]float64{r[0] + e.Value, r[1] + 1}
	}
	if e.Timestamp.After(b.last[i]) {
		b.last[i] = e.Timestamp
	}
	return u, i
}

// Build returns the Dataset. The Builder must not be used afterwards.
func (b *Builder) Build() *Dataset {
	d := &Dataset{Users: b.uids, Items: b.iids, UserIndex: b.users, ItemIndex: b.items}
	nu, ni := len(b.uids), len(b.iids)
	type cell struct {
		u, i int32
		w    float32
	}
	cells := make([]cell, 0, len(b.cells))
	for k, w := range b.cells {
		if w > 0 {
			cells = append(cells, cell{int32(k >> 32), int32(uint32(k)), w})
		}
	}
	sort.Slice(cells, func(a, c int) bool {
		if cells[a].u != cells[c].u {
			return cells[a].u < cells[c].u
		}
		return cells[a].i < cells[c].i
	})
	d.UserPtr = make([]int32, nu+1)
	d.UserItems = make([]int32, len(cells))
	d.UserWeights = make([]float32, len(cells))
	d.ItemPtr = make([]int32, ni+1)
	for n, c := range cells {
		d.UserPtr[c.u+1]++
		d.ItemPtr[c.i+1]++
		d.UserItems[n] = c.i
		d.UserWeights[n] = c.w
	}
	for u := 0; u < nu; u++ {
		d.UserPtr[u+1] += d.UserPtr[u]
	}
	for i := 0; i < ni; i++ {
		d.ItemPtr[i+1] += d.ItemPtr[i]
	}
	d.ItemUsers = make([]int32, len(cells))
	d.ItemWeights = make([]float32, len(cells))
	next := append([]int32(nil), d.ItemPtr[:ni]...)
	for _, c := range cells { // cells are in user order, so each column comes out ascending
		p := next[c.i]
		d.ItemUsers[p] = c.u
		d.ItemWeights[p] = c.w
		next[c.i]++
	}
	d.ItemCount = make([]int32, ni)
	d.ItemMeanRating = make([]float32, ni)
	d.ItemRatings = make([]int32, ni)
	d.ItemLast = make([]time.Time, ni)
	for i := 0; i < ni; i++ {
		d.ItemCount[i] = d.ItemPtr[i+1] - d.ItemPtr[i]
		if r, ok := b.ratings[int32(i)]; ok && r[1] > 0 {
			d.ItemMeanRating[i] = float32(r[0] / r[1])
			d.ItemRatings[i] = int32(r[1])
		}
		d.ItemLast[i] = b.last[int32(i)]
	}
	*b = Builder{}
	return d
}
