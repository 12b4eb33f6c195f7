package main

import (
	"context"
	"io"
	"path/filepath"
	"testing"

	"github.com/recd/recd/dataset"
	"github.com/recd/recd/index/hnsw"
	"github.com/recd/recd/service"
	"github.com/recd/recd/store/sqlite"
)

// BenchmarkImport_MovieLens imports the bundled 100,836 ratings and 9,742 movies into a fresh
// SQLite data dir through the service (validation, batched transactions, live state).
func BenchmarkImport_MovieLens(b *testing.B) {
	data, err := dataset.ReadMovieLens("../../examples/ml-latest-small")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st, err := sqlite.Open(filepath.Join(b.TempDir(), "recd.db"), sqlite.DefaultOptions())
		if err != nil {
			b.Fatal(err)
		}
		o := service.DefaultOptions()
		o.Index = newIndex(b)
		svc, err := service.New(ctx, st, o)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := importData(ctx, svc, data, io.Discard); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		st.Close()
		b.StartTimer()
	}
}

func newIndex(t testing.TB) *hnsw.Index {
	ix, err := hnsw.New(hnsw.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	return ix
}
