package redisstate_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/recd/recd/redisstate"
	"github.com/recd/recd/redisstate/redistest"
)

// BenchmarkState_ReadUser is the Redis cost a recommendation request pays: one round trip for
// the generation, 50 recent actions and the precomputed list.
func BenchmarkState_ReadUser(b *testing.B) {
	c, prefix := redistest.Client(b)
	s, err := redisstate.New(c, redisstate.Options{Prefix: prefix})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var evs []redisstate.Event
	for i := range 50 {
		evs = append(evs, redisstate.Event{UserID: "u", ItemID: fmt.Sprint("item-", i), Type: "view", Weight: 1, Time: time.Now(), Seq: int64(i)})
	}
	if err := s.RecordEvents(ctx, "A", evs); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		us, err := s.ReadUser(ctx, "u", "", true)
		if err != nil || len(us.User) != 50 {
			b.Fatalf("%d actions, %v", len(us.User), err)
		}
	}
}

// BenchmarkState_RecordEvents is the Redis cost an event write pays (one event per call).
func BenchmarkState_RecordEvents(b *testing.B) {
	c, prefix := redistest.Client(b)
	s, err := redisstate.New(c, redisstate.Options{Prefix: prefix})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		ev := redisstate.Event{UserID: fmt.Sprint("u", i%1000), SessionID: "s", ItemID: fmt.Sprint("item-", i%500),
			Type: "view", Weight: 1, Time: time.Now(), Seq: int64(i)}
		if err := s.RecordEvents(ctx, "A", []redisstate.Event{ev}); err != nil {
			b.Fatal(err)
		}
	}
}
