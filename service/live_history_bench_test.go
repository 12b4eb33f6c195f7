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

// BenchmarkLiveState_AddEvents is the write path's apply of one event to a user holding
// per items: "held" on an item the user holds already, "new" on an item the user does not
// hold (the user is reset to per items, untimed, each time it reaches 2*per).
func BenchmarkLiveState_AddEvents(b *testing.B) {
	for _, kind := range []string{"held", "new"} {
		for _, per := range []int{10, 100, 1000} {
			b.Run(fmt.Sprintf("%s/%d", kind, per), func(b *testing.B) {
				base := benchEvents(1, per)
				mem := benchLoad(b, base)
				ctx := context.Background()
				t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
				ev := []recd.Event{{UserID: "u0", Type: recd.EventClick}}
				seq, fresh := int64(len(base)), 0
				b.ReportAllocs()
				for n := 0; b.Loop(); n++ {
					seq++
					ev[0].Seq, ev[0].Timestamp = seq, t0.Add(time.Duration(n))
					if kind == "held" {
						ev[0].ItemID = base[n%per].ItemID
					} else {
						if fresh == per {
							b.StopTimer()
							mem.users.forget("u0")
							mem.addEvents(ctx, base)
							fresh = 0
							b.StartTimer()
						}
						ev[0].ItemID = fmt.Sprintf("new-%d", (n*7919)%1000003)
						fresh++
					}
					mem.addEvents(ctx, ev)
				}
			})
		}
	}
}

// BenchmarkLiveState_AddEventsHeavyUser is an import's apply of a heavy user: 20,000 events
// on new items, in batches of 5,000, to a user with no history.
func BenchmarkLiveState_AddEventsHeavyUser(b *testing.B) {
	evs := make([]recd.Event, 20000)
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for n := range evs {
		evs[n] = recd.Event{Seq: int64(n + 1), UserID: "u0", ItemID: fmt.Sprintf("i%d", (n*7919)%1000003),
			Type: recd.EventClick, Timestamp: t0.Add(time.Duration(n) * time.Second)}
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		mem := benchLoad(b, nil)
		for lo := 0; lo < len(evs); lo += 5000 {
			mem.addEvents(ctx, evs[lo:lo+5000])
		}
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
