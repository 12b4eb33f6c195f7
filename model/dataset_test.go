package model

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/recd/recd"
)

// mapDataset is the Dataset the Builder made before it kept events in arrays: a map of the
// pairs summed in the order added, sorted by user then item. The reference the Builder is
// checked against.
func mapDataset(w Weights, items []string, evs []recd.Event) *Dataset {
	users, index := map[string]int32{}, map[string]int32{}
	var uids, iids []string
	item := func(id string) int32 {
		i, ok := index[id]
		if !ok {
			i = int32(len(iids))
			index[id] = i
			iids = append(iids, id)
		}
		return i
	}
	for _, id := range items {
		item(id)
	}
	cells := map[uint64]float32{}
	ratings := map[int32][2]float64{}
	last := map[int32]time.Time{}
	for _, e := range evs {
		u, ok := users[e.UserID]
		if !ok {
			u = int32(len(uids))
			users[e.UserID] = u
			uids = append(uids, e.UserID)
		}
		i := item(e.ItemID)
		cells[uint64(u)<<32|uint64(uint32(i))] += float32(w.Of(e))
		if e.Type == recd.EventRating {
			r := ratings[i]
			ratings[i] = [2]float64{r[0] + e.Value, r[1] + 1}
		}
		if e.Timestamp.After(last[i]) {
			last[i] = e.Timestamp
		}
	}
	type cell struct {
		u, i int32
		w    float32
	}
	var cs []cell
	for k, v := range cells {
		if v > 0 {
			cs = append(cs, cell{int32(k >> 32), int32(uint32(k)), v})
		}
	}
	sort.Slice(cs, func(a, b int) bool { return cs[a].u < cs[b].u || cs[a].u == cs[b].u && cs[a].i < cs[b].i })
	d := &Dataset{Users: uids, Items: iids, UserIndex: users, ItemIndex: index,
		UserPtr: make([]int32, len(uids)+1), ItemPtr: make([]int32, len(iids)+1)}
	d.UserItems, d.UserWeights = make([]int32, len(cs)), make([]float32, len(cs))
	for n, c := range cs {
		d.UserPtr[c.u+1]++
		d.ItemPtr[c.i+1]++
		d.UserItems[n], d.UserWeights[n] = c.i, c.w
	}
	for u := range uids {
		d.UserPtr[u+1] += d.UserPtr[u]
	}
	for i := range iids {
		d.ItemPtr[i+1] += d.ItemPtr[i]
	}
	d.ItemUsers, d.ItemWeights = make([]int32, len(cs)), make([]float32, len(cs))
	next := append([]int32(nil), d.ItemPtr[:len(iids)]...)
	for _, c := range cs {
		d.ItemUsers[next[c.i]], d.ItemWeights[next[c.i]] = c.u, c.w
		next[c.i]++
	}
	d.ItemCount, d.ItemMeanRating = make([]int32, len(iids)), make([]float32, len(iids))
	d.ItemRatings, d.ItemLast = make([]int32, len(iids)), make([]time.Time, len(iids))
	for i := range iids {
		d.ItemCount[i] = d.ItemPtr[i+1] - d.ItemPtr[i]
		if r := ratings[int32(i)]; r[1] > 0 {
			d.ItemMeanRating[i], d.ItemRatings[i] = float32(r[0]/r[1]), int32(r[1])
		}
		d.ItemLast[i] = last[int32(i)]
	}
	return d
}

// TestBuilder_MatchesPairMap: the Builder's dataset is, array for array, the one a map of the
// pairs summed in event order makes, with pairs repeated many times, weights that cancel out
// (a like and a dislike) or sum below zero, ratings, events without a time, items registered
// without events and heavy users.
func TestBuilder_MatchesPairMap(t *testing.T) {
	types := []string{recd.EventView, recd.EventClick, recd.EventLike, recd.EventDislike, recd.EventPurchase, recd.EventRating, "custom"}
	for _, seed := range []uint64{1, 2, 3} {
		rng := rand.New(rand.NewPCG(seed, 7))
		var items []string
		for i := range 40 {
			items = append(items, fmt.Sprintf("i%02d", i))
		}
		base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		var evs []recd.Event
		for range 5000 {
			u := fmt.Sprintf("u%d", rng.IntN(60)*rng.IntN(3)) // a few heavy users
			e := recd.Event{UserID: u, ItemID: fmt.Sprintf("i%02d", rng.IntN(70)), Type: types[rng.IntN(len(types))],
				Value: float64(rng.IntN(11)) / 2}
			if rng.IntN(5) > 0 {
				e.Timestamp = base.Add(time.Duration(rng.IntN(1e6)) * time.Second)
			}
			evs = append(evs, e)
		}
		w := DefaultWeights()
		b := NewBuilder(w)
		for _, id := range items {
			b.AddItem(id)
		}
		for _, e := range evs {
			b.Add(e)
		}
		got, want := b.Build(), mapDataset(w, items, evs)
		if got.NNZ() == 0 || got.NNZ() >= len(evs) {
			t.Fatalf("seed %d: %d pairs of %d events; want repeats and some", seed, got.NNZ(), len(evs))
		}
		if !reflect.DeepEqual(got, want) {
			v, gv := reflect.ValueOf(*want), reflect.ValueOf(*got)
			for f := range v.NumField() {
				if !reflect.DeepEqual(v.Field(f).Interface(), gv.Field(f).Interface()) {
					t.Errorf("seed %d: %s differs from the pair map's", seed, v.Type().Field(f).Name)
				}
			}
		}
	}
}

// BenchmarkBuilder measures adding and building 1M events of 20k users over 5k items, each
// pair about once (the generated presets' shape).
func BenchmarkBuilder(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	evs := make([]recd.Event, 1_000_000)
	users, items := make([]string, 20000), make([]string, 5000)
	for u := range users {
		users[u] = fmt.Sprintf("u%d", u)
	}
	for i := range items {
		items[i] = fmt.Sprintf("i%d", i)
	}
	for k := range evs {
		evs[k] = recd.Event{UserID: users[rng.IntN(len(users))], ItemID: items[rng.IntN(len(items))], Type: recd.EventClick}
	}
	b.ReportAllocs()
	for b.Loop() {
		bd := NewBuilder(DefaultWeights())
		for _, e := range evs {
			bd.Add(e)
		}
		if d := bd.Build(); d.NNZ() == 0 {
			b.Fatal("no pairs")
		}
	}
}
