package service_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
	"github.com/recd/recd/index/hnsw"
	"github.com/recd/recd/service"
	"github.com/recd/recd/store/sqlite"
)

type ctxKey struct{}

// ctxIndex records, for each search and vector read, whether its context carried ctxKey.
type ctxIndex struct {
	index.Index
	mu            sync.Mutex
	calls, marked int
}

func (x *ctxIndex) saw(ctx context.Context) {
	x.mu.Lock()
	x.calls++
	if ctx.Value(ctxKey{}) != nil {
		x.marked++
	}
	x.mu.Unlock()
}

func (x *ctxIndex) Search(ctx context.Context, req index.SearchRequest) ([]index.Hit, error) {
	x.saw(ctx)
	return x.Index.Search(ctx, req)
}

func (x *ctxIndex) Vectors(ctx context.Context, space string, ids []string) (map[string][]float32, error) {
	x.saw(ctx)
	return x.Index.Vectors(ctx, space, ids)
}

func (x *ctxIndex) counts() (int, int) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.calls, x.marked
}

// smallService trains a service over a small seeded catalog and event log (40 items, 20
// users) on idx, with the options o changed by edit.
func smallService(t *testing.T, idx index.Index, edit func(*service.Options)) *service.Service {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "recd.db"), sqlite.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	o := service.DefaultOptions()
	o.Index = idx
	edit(&o)
	svc, err := service.New(ctx, st, o)
	if err != nil {
		t.Fatal(err)
	}
	words := []string{"space", "war", "love", "paris", "robot", "comedy", "ghost", "ocean"}
	items := make([]recd.Item, 40)
	for i := range items {
		items[i] = recd.Item{ID: fmt.Sprint("i", i), Available: true, Categories: []string{words[i%3]},
			Title: words[i%8] + " " + words[(i/8)%8], Text: words[i%8] + " " + words[(i*3)%8] + " story"}
	}
	if err := svc.PutItems(ctx, items); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	var events []recd.Event
	for u := range 20 {
		for range 8 {
			events = append(events, recd.Event{UserID: fmt.Sprint("u", u), ItemID: fmt.Sprint("i", (u+rng.IntN(10))%40), Type: "click"})
		}
	}
	if _, err := svc.AddEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Train(ctx); err != nil {
		t.Fatal(err)
	}
	return svc
}

// TestService_RecommendPassesContext: the read path hands the request's context to the
// ranking pipeline, so every index call the pipeline makes for the request runs under it
// (a deadline or a cancellation set by the caller reaches the index).
func TestService_RecommendPassesContext(t *testing.T) {
	ctx := context.Background()
	h, err := hnsw.New(hnsw.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	idx := &ctxIndex{Index: h}
	svc := smallService(t, idx, func(o *service.Options) { o.CacheSize = 0 })
	before, beforeMarked := idx.counts()
	rctx := context.WithValue(ctx, ctxKey{}, true)
	resp, err := svc.Recommend(rctx, service.RecommendRequest{UserID: "u3", SessionID: "s", N: 5})
	if err != nil || len(resp.Items) == 0 {
		t.Fatalf("Recommend: %v, %d items", err, len(resp.Items))
	}
	calls, marked := idx.counts()
	if calls == before {
		t.Fatal("the pipeline made no index call for the request; the test proves nothing")
	}
	if got, want := marked-beforeMarked, calls-before; got != want {
		t.Errorf("%d of the request's %d index calls ran under its context", got, want)
	}
}
