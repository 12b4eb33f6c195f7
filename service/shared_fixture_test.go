package service_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/index/hnsw"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/service"
	"github.com/recd/recd/store"
	"github.com/recd/recd/store/sqlite"
	"github.com/redis/go-redis/v9"
)

// genres of the small synthetic catalog the shared-state tests train on.
var genres = []string{"horror", "comedy", "drama", "western"}

// smallCatalog returns 160 items in four genres (40 each, with genre words in their text) and
// 2,400 events of 80 users who each mostly like one genre; seeded.
func smallCatalog() ([]recd.Item, []recd.Event) {
	r := rand.New(rand.NewPCG(11, 3))
	var items []recd.Item
	words := map[string]string{"horror": "ghost blood haunted fear night", "comedy": "laugh funny joke party wedding",
		"drama": "family loss tears courtroom life", "western": "cowboy desert sheriff horse gun"}
	for i := range 160 {
		g := genres[i%4]
		items = append(items, recd.Item{ID: fmt.Sprintf("%s-%02d", g, i/4), Title: fmt.Sprintf("%s film %d", g, i/4),
			Text: words[g], Categories: []string{g}, Available: true})
	}
	base := time.Now().Add(-48 * time.Hour).UTC()
	var evs []recd.Event
	for u := range 80 {
		fav := u % 4
		for k := range 30 {
			g := fav
			if r.IntN(5) == 0 {
				g = r.IntN(4)
			}
			id := fmt.Sprintf("%s-%02d", genres[g], r.IntN(40))
			evs = append(evs, recd.Event{UserID: fmt.Sprintf("u%02d", u), ItemID: id, Type: "like",
				Timestamp: base.Add(time.Duration(u*30+k) * time.Second)})
		}
	}
	return items, evs
}

// smallBackends opens a SQLite store at db and an HNSW index in dir/index (both closed or
// dropped with the test) and returns them with service options for small, fast models: 8
// ALS factors and 8 LSA dimensions.
func smallBackends(t testing.TB, db, dir string) (store.Store, service.Options) {
	t.Helper()
	st, err := sqlite.Open(db, sqlite.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	idx, err := hnsw.Open(filepath.Join(dir, "index"), hnsw.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	o := service.DefaultOptions()
	o.Index, o.StateDir = idx, filepath.Join(dir, "index")
	o.ALS.Factors = 8
	o.LSA.Dim = 8
	return st, o
}

// openShared opens a trained service on its own SQLite store and HNSW index in a temporary
// directory, over the small catalog, with rc (nil: no Redis) under prefix. tweak adjusts the
// options.
func openShared(t testing.TB, rc redis.UniversalClient, prefix string, tweak func(*service.Options)) *service.Service {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, o := smallBackends(t, filepath.Join(dir, "recd.db"), dir)
	o.ALS.Iterations = 4
	if rc != nil {
		o.Redis, o.RedisPrefix = rc, prefix
	}
	if tweak != nil {
		tweak(&o)
	}
	// Load the catalog and history without Redis: they are the store's, as when a replica
	// starts on an existing store.
	seed := o
	seed.Redis = nil
	svc, err := service.New(ctx, st, seed)
	if err != nil {
		t.Fatal(err)
	}
	items, evs := smallCatalog()
	if err := svc.PutItems(ctx, items); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Train(ctx); err != nil {
		t.Fatal(err)
	}
	if rc == nil {
		return svc
	}
	if err := svc.SaveIndex(ctx); err != nil {
		t.Fatal(err)
	}
	svc, err = service.New(ctx, st, o)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func sessionReasonItems(resp rank.Response) []string {
	var out []string
	for _, it := range resp.Items {
		for _, r := range it.Reasons {
			if r.Type == rank.ReasonSession {
				out = append(out, r.Items...)
			}
		}
	}
	return out
}

func clicks(user string, items ...string) []recd.Event {
	now := time.Now().UTC()
	var evs []recd.Event
	for i, id := range items {
		evs = append(evs, recd.Event{UserID: user, ItemID: id, Type: "click", Timestamp: now.Add(time.Duration(i) * time.Millisecond)})
	}
	return evs
}
