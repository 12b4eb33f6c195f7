package qdrant_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qdrant/go-client/qdrant"

	"github.com/recd/recd/index"
	"github.com/recd/recd/index/indextest"
	rq "github.com/recd/recd/index/qdrant"
	"github.com/recd/recd/index/qdrant/qdranttest"
)

var seq atomic.Int64

// testOptions returns options for a fresh, empty index: against the real Qdrant at
// QDRANT_ADDR when set (a unique collection prefix per call, dropped when t ends), else
// against a new protocol double. The backend code path is the same for both.
func testOptions(t testing.TB) rq.Options {
	t.Helper()
	opts := rq.DefaultOptions()
	opts.RetryBackoff = time.Millisecond
	if addr := os.Getenv("QDRANT_ADDR"); addr != "" {
		opts.Addr = addr
		opts.APIKey = os.Getenv("QDRANT_API_KEY")
		opts.Collection = fmt.Sprintf("recdtest_%d_%d", time.Now().UnixNano(), seq.Add(1))
		t.Cleanup(func() { dropCollections(t, addr, opts.APIKey, opts.Collection) })
		return opts
	}
	opts.Addr = qdranttest.Start(t)
	return opts
}

func dropCollections(t testing.TB, addr, key, prefix string) {
	c := rawClient(t, addr, key)
	ctx := context.Background()
	names, err := c.ListCollections(ctx)
	if err != nil {
		t.Logf("cleanup: %v", err)
		return
	}
	for _, n := range names {
		if strings.HasPrefix(n, prefix+"__") {
			if err := c.DeleteCollection(ctx, n); err != nil {
				t.Logf("cleanup %s: %v", n, err)
			}
		}
	}
}

func rawClient(t testing.TB, addr, key string) *qdrant.Client {
	t.Helper()
	host, port, ok := strings.Cut(addr, ":")
	if !ok {
		t.Fatalf("bad addr %q", addr)
	}
	var p int
	fmt.Sscan(port, &p)
	c, err := qdrant.NewClient(&qdrant.Config{Host: host, Port: p, APIKey: key, SkipCompatibilityCheck: true, PoolSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func open(t testing.TB, opts rq.Options) *rq.Index {
	t.Helper()
	ix, err := rq.Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

func TestIndex_Conformance(t *testing.T) {
	indextest.Run(t, func(t *testing.T) index.Index { return open(t, testOptions(t)) })
}

func TestIndex_SmallBatches(t *testing.T) {
	// Many small batches with concurrency exercise the batching and the bounded fan-out.
	indextest.Run(t, func(t *testing.T) index.Index {
		opts := testOptions(t)
		opts.UpsertBatch = 7
		opts.UpsertConcurrency = 3
		return open(t, opts)
	})
}

func openBench(b *testing.B) *rq.Index {
	opts := testOptions(b)
	opts.Spaces = []index.SpaceConfig{{Name: "v", Dim: 32, Metric: index.Cosine}}
	return open(b, opts)
}
