package sim_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/dataset"
	"github.com/recd/recd/examples"
	"github.com/recd/recd/index/hnsw"
	"github.com/recd/recd/server"
	"github.com/recd/recd/service"
	"github.com/recd/recd/sim"
	"github.com/recd/recd/store/sqlite"
)

// testSplit is the split every test of this package uses: the 1500 most-rated movies, so that
// a server trains in seconds.
func testSplit(t testing.TB) *sim.Split {
	t.Helper()
	splitOnce.Do(func() {
		var data *dataset.Data
		data, splitErr = dataset.ReadMovieLensFS(examples.MovieLensSmall())
		if splitErr != nil {
			return
		}
		o := sim.DefaultSplitOptions()
		o.MaxItems = 1500
		split, splitErr = sim.NewSplit(data, o)
	})
	if splitErr != nil {
		t.Fatal(splitErr)
	}
	return split
}

var (
	splitOnce sync.Once
	split     *sim.Split
	splitErr  error
)

// liveServer serves a service trained on the split's training part over loopback HTTP, with
// authentication off, and returns its URL.
func liveServer(t testing.TB, s *sim.Split) string {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "recd.db"), sqlite.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ix, err := hnsw.New(hnsw.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	o := service.DefaultOptions()
	o.Index = ix
	svc, err := service.New(ctx, st, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	seed(t, svc, s)
	bg, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); svc.RunFeedback(bg) }()
	t.Cleanup(func() { cancel(); <-done })
	hs := httptest.NewServer(server.New(svc, server.DefaultOptions()))
	t.Cleanup(hs.Close)
	return hs.URL
}

// seed writes the split's catalog and training part and trains once.
func seed(t testing.TB, svc *service.Service, s *sim.Split) {
	t.Helper()
	ctx := context.Background()
	if err := svc.PutItems(ctx, s.Items); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(s.Train); i += 10000 {
		batch := append([]recd.Event(nil), s.Train[i:min(i+10000, len(s.Train))]...)
		if _, err := svc.AddEvents(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.Train(ctx); err != nil {
		t.Fatal(err)
	}
}
