package service

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/recd/recd"
	"github.com/recd/recd/model"
	"github.com/recd/recd/rank"
)

// histEvents are n seeded events of users u0..u(users-1) on items i0..i(items-1), in random
// order, with times spread over a year and some rating events (whose weights are not
// whole numbers).
func histEvents(seed uint64, n, users, items int) []recd.Event {
	r := rand.New(rand.NewPCG(seed, 1))
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	evs := make([]recd.Event, n)
	for k := range evs {
		e := recd.Event{Seq: int64(k + 1), UserID: fmt.Sprintf("u%d", r.IntN(users)),
			ItemID: fmt.Sprintf("i%d", r.IntN(items)), Type: recd.EventClick,
			Timestamp: t0.Add(time.Duration(r.Int64N(int64(365 * 24 * time.Hour))))}
		if r.IntN(3) == 0 {
			e.Type, e.Value = recd.EventRating, float64(1+r.IntN(9))/2
		}
		evs[k] = e
	}
	return evs
}

// naiveHistory is the history of one user as the events define it: summed weights and the
// newest time per item, in item id order.
func naiveHistory(w model.Weights, evs []recd.Event, user string) []rank.Interaction {
	by := map[string]*rank.Interaction{}
	for _, e := range evs {
		if e.UserID != user {
			continue
		}
		x := by[e.ItemID]
		if x == nil {
			x = &rank.Interaction{ItemID: e.ItemID}
			by[e.ItemID] = x
		}
		x.Weight += w.Of(e)
		if e.Timestamp.After(x.Last) {
			x.Last = e.Timestamp
		}
	}
	var out []rank.Interaction
	for _, x := range by {
		out = append(out, *x)
	}
	slices.SortFunc(out, func(a, b rank.Interaction) int { return strings.Compare(a.ItemID, b.ItemID) })
	return out
}

func TestHistories_CompactMatchesTheEvents(t *testing.T) {
	o := DefaultOptions()
	mem, err := newMemState(&o)
	if err != nil {
		t.Fatal(err)
	}
	evs := histEvents(7, 5000, 20, 300)
	mem.addEvents(context.Background(), evs)
	first := map[string]*byte{} // item id -> the bytes every history's copy must share
	for u := range 20 {
		user := fmt.Sprintf("u%d", u)
		got, want := mem.History(user), naiveHistory(o.Weights, evs, user)
		if len(got) != len(want) {
			t.Fatalf("History(%s) has %d items, want %d", user, len(got), len(want))
		}
		for k := range want {
			g, w := got[k], want[k]
			if g.ItemID != w.ItemID || g.Weight != w.Weight || !g.Last.Equal(w.Last) {
				t.Fatalf("History(%s)[%d] = %+v, want %+v", user, k, g, w)
			}
			p := unsafe.StringData(g.ItemID)
			if q, ok := first[g.ItemID]; ok && q != p {
				t.Fatalf("item %s is held twice: ids are not interned", g.ItemID)
			}
			first[g.ItemID] = p
		}
	}
	if got := len(mem.users.ids.ids); got != len(first) {
		t.Errorf("%d interned ids, want one per item named: %d", got, len(first))
	}
}

func TestHistEntry_LastKeepsTheInstant(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		paris = time.FixedZone("CET", 3600)
	}
	for _, tm := range []time.Time{
		{}, time.Unix(0, 0), time.Unix(-1, 999_999_999), time.Date(1600, 2, 3, 4, 5, 6, 7, time.UTC),
		time.Date(2026, 12, 4, 23, 0, 0, 123_456_789, paris), time.Date(3000, 1, 1, 0, 0, 0, 1, time.UTC),
	} {
		var he histEntry
		he.setLast(tm)
		if got := he.last(); !got.Equal(tm) {
			t.Errorf("last() = %v, want %v", got, tm)
		}
		if he.newer(tm) || !he.newer(tm.Add(time.Nanosecond)) || he.newer(tm.Add(-time.Nanosecond)) {
			t.Errorf("newer around %v: same %v, +1ns %v, -1ns %v", tm, he.newer(tm),
				he.newer(tm.Add(time.Nanosecond)), he.newer(tm.Add(-time.Nanosecond)))
		}
	}
	empty := histEntry{lastSec: zeroSec}
	if got := empty.last(); got != (time.Time{}) {
		t.Errorf("an entry without an event has last() %v, want the zero time", got)
	}
}

// TestHistories_BytesPerInteraction pins the live histories' heap cost: distinct (user, item)
// interactions held as a map entry and an item id string each took about 120 bytes; the
// compact entries take 32 bytes plus the slices' spare capacity.
func TestHistories_BytesPerInteraction(t *testing.T) {
	const users, per = 2000, 100
	evs := make([]recd.Event, 0, users*per)
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for u := range users {
		for k := range per {
			evs = append(evs, recd.Event{Seq: int64(len(evs) + 1), UserID: fmt.Sprintf("u%d", u),
				ItemID: fmt.Sprintf("item-%d", (u*7+k*13)%5000), Type: recd.EventClick, Timestamp: t0.Add(time.Duration(k) * time.Second)})
		}
	}
	o := DefaultOptions()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	h := newHistories(o.Weights, o.TrendingHalfLife)
	h.beginLoad()
	for n := range evs {
		h.observe(&evs[n])
	}
	h.endLoad()
	runtime.GC()
	runtime.ReadMemStats(&after)
	per1 := float64(after.HeapAlloc-before.HeapAlloc) / float64(len(evs))
	t.Logf("%.1f bytes per interaction", per1)
	if per1 > 48 {
		t.Errorf("the histories take %.1f bytes per interaction, want at most 48", per1)
	}
	runtime.KeepAlive(h)
	runtime.KeepAlive(evs)
}

// TestHistories_BulkLoadMatchesApply: a restart's bulk load (append, then sort and merge)
// leaves exactly the histories and trending counter that applying event by event leaves.
func TestHistories_BulkLoadMatchesApply(t *testing.T) {
	for _, c := range []struct {
		name               string
		events, users, its int
	}{
		{"few repeats", 20000, 50, 400}, // about 1.5 events per (user, item)
		{"many repeats", 20000, 5, 100}, // about 40 per (user, item): interim compactions
	} {
		t.Run(c.name, func(t *testing.T) { testBulkLoad(t, histEvents(11, c.events, c.users, c.its), c.its) })
	}
}

func testBulkLoad(t *testing.T, evs []recd.Event, items int) {
	o := DefaultOptions()
	one := newHistories(o.Weights, o.TrendingHalfLife)
	for n := range evs {
		one.observe(&evs[n])
	}
	bulk := newHistories(o.Weights, o.TrendingHalfLife)
	bulk.beginLoad()
	for n := range evs {
		bulk.observe(&evs[n])
	}
	bulk.endLoad()
	sameHistories(t, one, bulk, items)
}

// TestHistories_BatchMatchesApply: the write path's batches (heavy histories take their new
// items appended and merged at the end of each batch) leave exactly the histories and trending
// counter that applying event by event leaves, whatever the batch sizes.
func TestHistories_BatchMatchesApply(t *testing.T) {
	for _, c := range []struct {
		name               string
		events, users, its int
	}{
		{"few repeats", 20000, 50, 400},
		{"many repeats", 20000, 5, 100},
		{"heavy users", 30000, 3, 20000}, // about 10,000 items each, new ones in every batch
	} {
		t.Run(c.name, func(t *testing.T) {
			evs := histEvents(13, c.events, c.users, c.its)
			o := DefaultOptions()
			one := newHistories(o.Weights, o.TrendingHalfLife)
			for n := range evs {
				one.observe(&evs[n])
			}
			batched := newHistories(o.Weights, o.TrendingHalfLife)
			r := rand.New(rand.NewPCG(5, 5))
			for lo := 0; lo < len(evs); {
				hi := min(len(evs), lo+1+r.IntN(3000))
				batched.observeBatch(evs[lo:hi])
				batched.observeBatch(evs[lo:hi]) // applied already: changes nothing
				lo = hi
			}
			sameHistories(t, one, batched, c.its)
		})
	}
}

// sameHistories fails unless got holds exactly want's users, entries and trending counter.
func sameHistories(t *testing.T, want, bulk *histories, items int) {
	t.Helper()
	one := want
	if len(bulk.hist) != len(one.hist) || bulk.nEvents != one.nEvents || bulk.lastSeq != one.lastSeq {
		t.Fatalf("bulk: %d users, %d events, seq %d; one by one: %d, %d, %d", len(bulk.hist), bulk.nEvents,
			bulk.lastSeq, len(one.hist), one.nEvents, one.lastSeq)
	}
	for user, u := range one.hist {
		b := bulk.hist[user]
		if b == nil || len(b.ents) != len(u.ents) || b.n != u.n || b.seq != u.seq {
			t.Fatalf("user %s: bulk %+v, one by one %+v", user, b, u)
		}
		for k := range u.ents {
			x, y := u.ents[k], b.ents[k]
			if one.ids.ids[x.item] != bulk.ids.ids[y.item] || x.w != y.w || x.mass != y.mass ||
				x.lastSec != y.lastSec || x.lastNano != y.lastNano {
				t.Fatalf("user %s entry %d: bulk %+v (%s), one by one %+v (%s)", user, k, y,
					bulk.ids.ids[y.item], x, one.ids.ids[x.item])
			}
		}
	}
	gotIDs, gotScores := bulk.trending.Top(items, func(string) bool { return true })
	wantIDs, wantScores := one.trending.Top(items, func(string) bool { return true })
	if !slices.Equal(gotIDs, wantIDs) || !slices.Equal(gotScores, wantScores) {
		t.Errorf("trending after a bulk load differs from one by one")
	}
}

// BenchmarkHistories_BulkLoad is the same rebuild through the restart's bulk load (append,
// then sort and merge once).
func BenchmarkHistories_BulkLoad(b *testing.B) {
	evs := benchEvents(1000, 100)
	o := DefaultOptions()
	b.ReportAllocs()
	for b.Loop() {
		h := newHistories(o.Weights, o.TrendingHalfLife)
		h.beginLoad()
		for n := range evs {
			h.observe(&evs[n])
		}
		h.endLoad()
	}
}

// A request reads the catalog once per candidate; those reads must not queue behind an event
// write waiting for the histories' lock (a pending writer blocks new readers of the same
// RWMutex). With the histories' lock held as a writer holds it, catalog reads still answer.
func TestMemState_CatalogReadsDoNotWaitForTheHistories(t *testing.T) {
	o := DefaultOptions()
	mem, err := newMemState(&o)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	mem.putItems(ctx, []recd.Item{{ID: "a", Title: "A", Available: true}})
	mem.mu.Lock()
	done := make(chan bool, 1)
	go func() {
		_, ok := mem.Item("a")
		same := mem.sameItem("a", &rank.ItemMeta{Title: "A", Available: true})
		unknown := mem.unknownItems([]recd.Event{{ItemID: "a"}, {ItemID: "b"}})
		done <- ok && same && len(unknown) == 1 && len(mem.catalogItems()) == 1
	}()
	select {
	case ok := <-done:
		if !ok {
			t.Error("catalog reads under the histories' lock gave wrong answers")
		}
	case <-time.After(10 * time.Second):
		t.Error("a catalog read waited for the histories' lock")
	}
	mem.mu.Unlock()
}
