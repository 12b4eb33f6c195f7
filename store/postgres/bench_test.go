package postgres_test

import (
	"fmt"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/dataset"
	"github.com/recd/recd/store/postgres"
)

// BenchmarkPostgres_AddEvents100k imports the bundled MovieLens latest-small data (9,742 items,
// 100,836 ratings) into an empty schema in batches of 5,000 per transaction (events by COPY),
// then scans every event back. One op is the whole import plus the scan.
func BenchmarkPostgres_AddEvents100k(b *testing.B) {
	dsn := testDSN(b)
	d, err := dataset.ReadMovieLens("../../examples/ml-latest-small")
	if err != nil {
		b.Fatal(err)
	}
	const batch = 5000
	schema := "recd_bench_import"
	b.Cleanup(func() { admin(b, dsn, `DROP SCHEMA IF EXISTS `+schema+` CASCADE`) })
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		admin(b, dsn, fmt.Sprintf(`DROP SCHEMA IF EXISTS %[1]s CASCADE; CREATE SCHEMA %[1]s`, schema))
		b.StartTimer()
		s, err := postgres.Open(b.Context(), withSearchPath(dsn, schema), postgres.DefaultOptions())
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
		s.Close()
	}
	b.ReportMetric(float64(len(d.Events))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkPostgres_AddEventSingle measures one AddEvents call with one event: the store's
// part of the latency of a POST /v1/events request. "Pipelined" is the default small-batch
// path (one round trip); "Tx" forces the transaction-and-COPY path used for large batches.
func BenchmarkPostgres_AddEventSingle(b *testing.B) {
	dsn := testDSN(b)
	for _, copyThreshold := range []int{postgres.DefaultOptions().CopyThreshold, 1} {
		name := "Pipelined"
		if copyThreshold == 1 {
			name = "Tx"
		}
		b.Run(name, func(b *testing.B) { benchSingle(b, dsn, copyThreshold) })
	}
}

func benchSingle(b *testing.B, dsn string, copyThreshold int) {
	schema := "recd_bench_single"
	admin(b, dsn, fmt.Sprintf(`DROP SCHEMA IF EXISTS %[1]s CASCADE; CREATE SCHEMA %[1]s`, schema))
	b.Cleanup(func() { admin(b, dsn, `DROP SCHEMA IF EXISTS `+schema+` CASCADE`) })
	opts := postgres.DefaultOptions()
	opts.CopyThreshold = copyThreshold
	s, err := postgres.Open(b.Context(), withSearchPath(dsn, schema), opts)
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
}
