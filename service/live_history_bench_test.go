package service

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/recd/recd"
)

// benchMem is a memState holding users u0..u(users-1) with per items each.
func benchMem(b *testing.B, users, per int) *memState {
	b.Helper()
	return benchLoad(b, benchEvents(users, per))
}

func benchLoad(b *testing.B, evs []recd.Event) *memState {
	o := DefaultOptions()
	mem, err := newMemState(&o)
	if err != nil {
		b.Fatal(err)
	}
	mem.addEvents(context.Background(), evs)
	return mem
}

// benchEvents are per events of each of users u0..u(users-1), each on a different item.
func benchEvents(users, per int) []recd.Event {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	evs := make([]recd.Event, 0, users*per)
	for u := range users {
		for k := range per {
			evs = append(evs, recd.Event{Seq: int64(len(evs) + 1), UserID: fmt.Sprintf("u%d", u),
				ItemID: fmt.Sprintf("item-%d", (u*7+k*13)%20000), Type: recd.EventClick, Timestamp: t0.Add(time.Duration(k) * time.Second)})
		}
	}
	return evs
}

// BenchmarkLiveState_History is the read path's copy of a user's history, at several
// history lengths.
func BenchmarkLiveState_History(b *testing.B) {
	for _, per := range []int{10, 100, 1000} {
		b.Run(fmt.Sprint(per), func(b *testing.B) {
			mem := benchMem(b, 10, per)
			b.ReportAllocs()
			for n := 0; b.Loop(); n++ {
				if h := mem.History(fmt.Sprintf("u%d", n%10)); len(h) != per {
					b.Fatalf("history of %d items, want %d", len(h), per)
				}
			}
		})
	}
}

// BenchmarkLiveState_AddEvents is the write path's apply of one event to a user holding per
// items (new items, and again an item already held).
func BenchmarkLiveState_AddEvents(b *testing.B) {
	for _, per := range []int{10, 100, 1000} {
		b.Run(fmt.Sprint(per), func(b *testing.B) {
			mem := benchMem(b, 10, per)
			ctx := context.Background()
			t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
			ev := []recd.Event{{UserID: "u3", Type: recd.EventClick}}
			b.ReportAllocs()
			for n := 0; b.Loop(); n++ {
				ev[0].Seq, ev[0].Timestamp = int64(per*10+n+1), t0.Add(time.Duration(n))
				ev[0].ItemID = fmt.Sprintf("item-%d", (n*13)%20000)
				mem.addEvents(ctx, ev)
			}
		})
	}
}

// BenchmarkLiveState_Load is a restart's rebuild of the histories: 100,000 events of 1,000
// users over 5,000 items.
func BenchmarkLiveState_Load(b *testing.B) {
	evs := benchEvents(1000, 100)
	b.ReportAllocs()
	for b.Loop() {
		benchLoad(b, evs)
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
