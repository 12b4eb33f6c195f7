package service_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/recd/recd"
)

// BenchmarkService_SyncEvents measures one follower pass applying 1,000 events another
// replica wrote (SQLite shared file; the pass reads them, applies them to the live state
// and checks the other feeds).
func BenchmarkService_SyncEvents(b *testing.B) {
	ctx := b.Context()
	dir := b.TempDir()
	db := filepath.Join(dir, "shared.db")
	writer := replica(b, db, filepath.Join(dir, "a"))
	follower := replica(b, db, filepath.Join(dir, "b"))
	items, _ := smallWorld()
	if err := writer.PutItems(ctx, items); err != nil {
		b.Fatal(err)
	}
	batch := make([]recd.Event, 1000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		for n := range batch {
			batch[n] = recd.Event{UserID: fmt.Sprintf("u%d", (i*1000+n)%500), ItemID: items[n%len(items)].ID, Type: "view"}
		}
		if _, err := writer.AddEvents(ctx, batch); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := follower.Sync(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(batch)), "ns/event")
}
