package service_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/dataset"
	"github.com/recd/recd/index/hnsw"
	"github.com/recd/recd/internal/racetest"
	"github.com/recd/recd/service"
	"github.com/recd/recd/store/sqlite"
)

var (
	mlOnce sync.Once
	mlSvc  *service.Service
	mlData *dataset.Data
	mlErr  error
)

// movieLens returns one service trained on the bundled MovieLens data, shared by the tests
// of this package (each test uses its own user ids, so they do not disturb each other).
func movieLens(t testing.TB) (*service.Service, *dataset.Data) {
	t.Helper()
	if testing.Short() {
		t.Skip("trains on the bundled MovieLens data")
	}
	if racetest.Enabled {
		t.Skip(racetest.SkipMsg)
	}
	mlOnce.Do(func() {
		ctx := context.Background()
		dir, err := os.MkdirTemp("", "recd-service-test-")
		if err != nil {
			mlErr = err
			return
		}
		service.AtTestsEnd(func() {
			if mlSvc != nil {
				mlSvc.Close()
			}
			os.RemoveAll(dir)
		})
		mlData, mlErr = dataset.ReadMovieLens("../examples/ml-latest-small")
		if mlErr != nil {
			return
		}
		mlSvc, mlErr = open(ctx, dir)
		if mlErr != nil {
			return
		}
		if mlErr = mlSvc.PutItems(ctx, mlData.Items[:5000]); mlErr != nil {
			return
		}
		if mlErr = mlSvc.PutItems(ctx, mlData.Items[5000:]); mlErr != nil {
			return
		}
		for i := 0; i < len(mlData.Events); i += 10000 {
			batch := append([]recd.Event(nil), mlData.Events[i:min(i+10000, len(mlData.Events))]...)
			if _, mlErr = mlSvc.AddEvents(ctx, batch); mlErr != nil {
				return
			}
		}
		_, mlErr = mlSvc.Train(ctx)
	})
	if mlErr != nil {
		t.Fatal(mlErr)
	}
	return mlSvc, mlData
}

// open opens a service over a SQLite store and a persisted HNSW index in dir.
func open(ctx context.Context, dir string) (*service.Service, error) {
	st, err := sqlite.Open(filepath.Join(dir, "recd.db"), sqlite.DefaultOptions())
	if err != nil {
		return nil, err
	}
	idx, err := hnsw.Open(filepath.Join(dir, "index"), hnsw.DefaultOptions())
	if err != nil {
		return nil, err
	}
	o := service.DefaultOptions()
	o.Index, o.StateDir = idx, filepath.Join(dir, "index")
	return service.New(ctx, st, o)
}

func ids(items []recd.Recommendation) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

func movies(d *dataset.Data) map[string]recd.Item {
	m := make(map[string]recd.Item, len(d.Items))
	for _, it := range d.Items {
		m[it.ID] = it
	}
	return m
}

func has(xs []string, want ...string) bool {
	for _, x := range xs {
		for _, w := range want {
			if x == w {
				return true
			}
		}
	}
	return false
}
