package sqlite_test

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/dataset"
	"github.com/recd/recd/store/sqlite"
)

var (
	mlOnce sync.Once
	mlData *dataset.Data
	mlErr  error
)

func movieLens(b *testing.B) *dataset.Data {
	b.Helper()
	mlOnce.Do(func() { mlData, mlErr = dataset.ReadMovieLens("../../examples/ml-latest-small") })
	if mlErr != nil {
		b.Fatal(mlErr)
	}
	return mlData
}

// BenchmarkSQLite_AddEvents100k imports the bundled MovieLens latest-small data (9,742 items,
// 100,836 ratings) into a new database in batches of 5,000 per transaction, then scans every
// event back. One op is the whole import plus the scan.
func BenchmarkSQLite_AddEvents100k(b *testing.B) {
	d := movieLens(b)
	const batch = 5000
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s, err := sqlite.Open(filepath.Join(b.TempDir(), fmt.Sprintf("bench%d.db", i)), sqlite.DefaultOptions())
		if err != nil {
			b.Fatal(err)
		}
		ctx := b.Context()
		for lo := 0; lo < len(d.Items); lo += batch {
			if err := s.PutItems(ctx, d.Items[lo:min(lo+batch, len(d.Items))]); err != nil {
				b.Fatal(err)
			}
		}
		for lo := 0; lo < len(d.Events); lo += batch {
			if _, err := s.AddEvents(ctx, d.Events[lo:min(lo+batch, len(d.Events))]); err != nil {
				b.Fatal(err)
			}
		}
		n := 0
		if err := s.ScanEvents(ctx, 0, func(recd.Event) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		if n != len(d.Events) {
			b.Fatalf("scanned %d events, want %d", n, len(d.Events))
		}
		b.StopTimer()
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(len(d.Events))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkSQLite_AddEventSingle measures one AddEvents call with one event: the store's part
// of the latency of a POST /v1/events request, with synchronous NORMAL and FULL.
func BenchmarkSQLite_AddEventSingle(b *testing.B) {
	for _, full := range []bool{false, true} {
		name := "NORMAL"
		if full {
			name = "FULL"
		}
		b.Run(name, func(b *testing.B) {
			opts := sqlite.DefaultOptions()
			opts.FullSync = full
			s, err := sqlite.Open(filepath.Join(b.TempDir(), "single.db"), opts)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ev := []recd.Event{{UserID: "u", ItemID: "i", Type: recd.EventView}}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				ev[0].UserID = fmt.Sprintf("u%d", i%1000)
				if _, err := s.AddEvents(b.Context(), ev); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSQLite_PutItemsVectors writes 10,000 items with one 64-dimensional vector each in
// batches of 1,000, as a batch embedding ingestion does. One op is the 10,000 items.
func BenchmarkSQLite_PutItemsVectors(b *testing.B) {
	const n, dim, batch = 10000, 64, 1000
	items := make([]recd.Item, n)
	for i := range items {
		v := make([]float32, dim)
		for j := range v {
			v[j] = float32((i*31+j*17)%97) / 97
		}
		items[i] = recd.Item{ID: fmt.Sprintf("item-%06d", i), Title: "t", Available: true,
			Vectors: map[string][]float32{"content": v}}
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s, err := sqlite.Open(filepath.Join(b.TempDir(), fmt.Sprintf("vec%d.db", i)), sqlite.DefaultOptions())
		if err != nil {
			b.Fatal(err)
		}
		for lo := 0; lo < n; lo += batch {
			if err := s.PutItems(b.Context(), items[lo:lo+batch]); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "items/s")
}
