package qdrant_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
	rq "github.com/recd/recd/index/qdrant"
	"github.com/recd/recd/index/qdrant/qdranttest"
)

// doubleIndex opens an index on a fresh protocol double with one dense space "v".
func doubleIndex(t *testing.T, retries int) (*rq.Index, *qdranttest.Server) {
	t.Helper()
	srv, addr := qdranttest.StartServer(t)
	opts := rq.DefaultOptions()
	opts.Addr = addr
	opts.Retries = retries
	opts.RetryBackoff = time.Millisecond
	opts.Spaces = []index.SpaceConfig{{Name: "v", Dim: 2, Metric: index.Dot}}
	return open(t, opts), srv
}

func point(id string, x, y float32) index.Point {
	return index.Point{ID: id, Vectors: map[string][]float32{"v": {x, y}}}
}

func TestIndex_Retries(t *testing.T) {
	ctx := context.Background()
	t.Run("unavailable twice then success", func(t *testing.T) {
		ix, srv := doubleIndex(t, 3)
		srv.FailNext("Upsert", codes.Unavailable, codes.Unavailable)
		if err := ix.Upsert(ctx, []index.Point{point("a", 1, 0)}); err != nil {
			t.Fatalf("Upsert after two Unavailable = %v, want success", err)
		}
		if got := srv.Calls("Upsert"); got != 3 {
			t.Errorf("Upsert calls = %d, want 3 (two failures, one success)", got)
		}
		hits, err := ix.Search(ctx, index.SearchRequest{Space: "v", Vector: []float32{1, 0}, K: 1})
		if err != nil || len(hits) != 1 || hits[0].ID != "a" {
			t.Fatalf("Search after retried upsert = %v, %v; want [a]", hits, err)
		}
	})
	t.Run("resource exhausted on a read", func(t *testing.T) {
		ix, srv := doubleIndex(t, 3)
		srv.FailNext("Query", codes.ResourceExhausted)
		if _, err := ix.Search(ctx, index.SearchRequest{Space: "v", Vector: []float32{1, 0}, K: 1}); err != nil {
			t.Fatalf("Search after ResourceExhausted = %v, want success", err)
		}
		if got := srv.Calls("Query"); got != 2 {
			t.Errorf("Query calls = %d, want 2", got)
		}
	})
	t.Run("rate limited with retry-after", func(t *testing.T) {
		ix, srv := doubleIndex(t, 3)
		srv.RateLimitNext("Query", 0)
		if _, err := ix.Search(ctx, index.SearchRequest{Space: "v", Vector: []float32{1, 0}, K: 1}); err != nil {
			t.Fatalf("Search after a rate-limited attempt = %v, want success", err)
		}
		if got := srv.Calls("Query"); got != 2 {
			t.Errorf("Query calls = %d, want 2", got)
		}
	})
	t.Run("retries exhausted", func(t *testing.T) {
		ix, srv := doubleIndex(t, 1)
		srv.FailNext("Upsert", codes.Unavailable, codes.Unavailable, codes.Unavailable)
		err := ix.Upsert(ctx, []index.Point{point("a", 1, 0)})
		if !errors.Is(err, recd.ErrUnavailable) || status.Code(err) != codes.Unavailable {
			t.Fatalf("Upsert = %v, want recd.ErrUnavailable wrapping the Unavailable status", err)
		}
		if got := srv.Calls("Upsert"); got != 2 {
			t.Errorf("Upsert calls = %d, want 2 (Retries=1)", got)
		}
	})
	t.Run("not retried", func(t *testing.T) {
		ix, srv := doubleIndex(t, 3)
		srv.FailNext("Upsert", codes.InvalidArgument)
		err := ix.Upsert(ctx, []index.Point{point("a", 1, 0)})
		if status.Code(err) != codes.InvalidArgument || !errors.Is(err, recd.ErrUnprocessable) {
			t.Fatalf("Upsert = %v, want the InvalidArgument status as ErrUnprocessable", err)
		}
		if got := srv.Calls("Upsert"); got != 1 {
			t.Errorf("Upsert calls = %d, want 1", got)
		}
	})
	t.Run("context cancelled during backoff", func(t *testing.T) {
		srv, addr := qdranttest.StartServer(t)
		opts := rq.DefaultOptions()
		opts.Addr = addr
		opts.RetryBackoff = time.Hour
		opts.Spaces = []index.SpaceConfig{{Name: "v", Dim: 2, Metric: index.Dot}}
		ix := open(t, opts)
		srv.FailNext("Upsert", codes.Unavailable)
		cctx, cancel := context.WithCancel(ctx)
		go func() {
			for srv.Calls("Upsert") == 0 {
				time.Sleep(time.Millisecond)
			}
			cancel()
		}()
		if err := ix.Upsert(cctx, []index.Point{point("a", 1, 0)}); !errors.Is(err, context.Canceled) {
			t.Fatalf("Upsert = %v, want context.Canceled", err)
		}
	})
	t.Run("open fails when the server is down", func(t *testing.T) {
		opts := rq.DefaultOptions()
		opts.Addr = "127.0.0.1:1"
		opts.Retries = 1
		opts.RetryBackoff = time.Millisecond
		opts.Timeout = time.Second
		_, err := rq.Open(ctx, opts)
		if !errors.Is(err, recd.ErrUnavailable) {
			t.Fatalf("Open on a closed port = %v, want recd.ErrUnavailable", err)
		}
	})
}

func TestIndex_Batching(t *testing.T) {
	srv, addr := qdranttest.StartServer(t)
	opts := rq.DefaultOptions()
	opts.Addr = addr
	opts.UpsertBatch = 7
	opts.UpsertConcurrency = 2
	opts.Spaces = []index.SpaceConfig{{Name: "v", Dim: 2, Metric: index.Dot}}
	ix := open(t, opts)
	var pts []index.Point
	for i := 0; i < 100; i++ {
		pts = append(pts, point(string(rune('A'+i%26))+string(rune('a'+i/26)), float32(i), 1))
	}
	if err := ix.Upsert(context.Background(), pts); err != nil {
		t.Fatal(err)
	}
	if got, want := srv.Calls("Upsert"), (100+6)/7; got != want {
		t.Errorf("Upsert requests = %d, want %d batches of at most 7", got, want)
	}
	infos, err := ix.Spaces(context.Background())
	if err != nil || len(infos) != 1 || infos[0].Count != 100 {
		t.Fatalf("Spaces = %+v, %v; want v with 100 points", infos, err)
	}
}

// TestIndex_Outage checks that calls fail with recd.ErrUnavailable while Qdrant is down and
// work again once it is back, on the same Index, without reopening it.
func TestIndex_Outage(t *testing.T) {
	ctx := context.Background()
	ix, srv := doubleIndex(t, 1)
	if err := ix.Upsert(ctx, []index.Point{point("a", 1, 0)}); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	if err := ix.Ping(ctx); !errors.Is(err, recd.ErrUnavailable) {
		t.Fatalf("Ping while down = %v, want recd.ErrUnavailable", err)
	}
	_, err := ix.Search(ctx, index.SearchRequest{Space: "v", Vector: []float32{1, 0}, K: 1})
	if !errors.Is(err, recd.ErrUnavailable) {
		t.Fatalf("Search while down = %v, want recd.ErrUnavailable", err)
	}
	if err := srv.Resume(); err != nil {
		t.Fatal(err)
	}
	// The connection comes back by itself; the deadline only guards against a hang.
	wait, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for ix.Ping(wait) != nil {
		if wait.Err() != nil {
			t.Fatal("no recovery within 30s of the server coming back")
		}
		time.Sleep(10 * time.Millisecond)
	}
	hits, err := ix.Search(ctx, index.SearchRequest{Space: "v", Vector: []float32{1, 0}, K: 1})
	if err != nil || len(hits) != 1 || hits[0].ID != "a" {
		t.Fatalf("Search after recovery = %v, %v; want [a]", hits, err)
	}
}
