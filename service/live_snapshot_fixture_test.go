package service

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/model"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/store"
	"github.com/recd/recd/store/sqlite"
)

// snapStore opens a SQLite store in dir.
func snapStore(t testing.TB, dir string) store.Store {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(dir, "recd.db"), sqlite.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// fillStore stores items i0..i(items-1) and n seeded events (histEvents, every fifth in an
// anonymous session) of users u0..u(users-1), in batches.
func fillStore(t testing.TB, st store.Store, seed uint64, n, users, items int) {
	t.Helper()
	ctx := context.Background()
	its := make([]recd.Item, items)
	for i := range its {
		its[i] = recd.Item{ID: fmt.Sprintf("i%d", i), Title: fmt.Sprintf("item %d", i), Available: true}
	}
	if err := st.PutItems(ctx, its); err != nil {
		t.Fatal(err)
	}
	evs := histEvents(seed, n, users, items)
	for k := range evs {
		evs[k].Seq = 0
		if k%5 == 0 {
			evs[k].SessionID = fmt.Sprintf("s%d", k%17)
		}
	}
	for len(evs) > 0 {
		b := min(len(evs), 500)
		if _, err := st.AddEvents(ctx, evs[:b]); err != nil {
			t.Fatal(err)
		}
		evs = evs[b:]
	}
}

// startMem starts a memState over st as Service.open does, with the snapshot at path ("":
// none), and reports where it started from.
func startMem(t testing.TB, st store.Store, path string, tweak ...func(*Options)) (*memState, *liveSnapshots, string) {
	t.Helper()
	o := DefaultOptions()
	o.LiveSnapshot = path
	for _, f := range tweak {
		f(&o)
	}
	mem, err := newMemState(&o)
	if err != nil {
		t.Fatal(err)
	}
	ls := newLiveSnapshots(&o, st, slog.New(slog.DiscardHandler))
	from, err := ls.load(context.Background(), mem)
	if err != nil {
		t.Fatal(err)
	}
	return mem, ls, from
}

// sameLiveState fails unless got and want hold exactly the same histories, counters, catalog
// and answers: every entry's sums bit for bit, the trending scores, each user's event count,
// newest Seq and sessions, and the applied-event floor.
func sameLiveState(t *testing.T, got, want *memState) {
	t.Helper()
	g, w := got.users, want.users
	if g.nEvents != w.nEvents || g.lastSeq != w.lastSeq || len(g.hist) != len(w.hist) {
		t.Fatalf("events %d, last seq %d, users %d; want %d, %d, %d", g.nEvents, g.lastSeq, len(g.hist),
			w.nEvents, w.lastSeq, len(w.hist))
	}
	if g.applied.floor != w.applied.floor || g.applied.pending() != w.applied.pending() {
		t.Errorf("applied floor %d (%d pending), want %d (%d)", g.applied.floor, g.applied.pending(),
			w.applied.floor, w.applied.pending())
	}
	if len(got.catalog) != len(want.catalog) {
		t.Errorf("catalog of %d items, want %d", len(got.catalog), len(want.catalog))
	}
	for id, wu := range w.hist {
		gu := g.hist[id]
		if gu == nil {
			t.Fatalf("user %s missing", id)
		}
		if gu.n != wu.n || gu.seq != wu.seq || !slices.Equal(gu.sessions.list(), wu.sessions.list()) {
			t.Errorf("user %s: n %d seq %d sessions %v; want %d %d %v", id, gu.n, gu.seq, gu.sessions.list(), wu.n, wu.seq, wu.sessions.list())
		}
		gi, wi := got.History(id), want.History(id)
		if !slices.Equal(gi, wi) {
			t.Fatalf("History(%s) = %v\nwant %v", id, gi, wi)
		}
		for k := range wu.ents {
			if gm, wm := gu.ents[k].mass, wu.ents[k].mass; math.Float64bits(gm) != math.Float64bits(wm) {
				t.Fatalf("user %s item %s: trending mass %v, want %v", id, gi[k].ItemID, gm, wm)
			}
		}
	}
	scores := func(tr *model.Trending) map[string]float64 {
		m := map[string]float64{}
		tr.EachScore(func(item string, v float64) { m[item] = v })
		return m
	}
	gs, ws := scores(g.trending), scores(w.trending)
	if len(gs) != len(ws) {
		t.Fatalf("%d trending items, want %d", len(gs), len(ws))
	}
	for item, v := range ws {
		if math.Float64bits(gs[item]) != math.Float64bits(v) {
			t.Errorf("trending score of %s = %v, want %v", item, gs[item], v)
		}
	}
	all := func(*rank.ItemMeta) bool { return true }
	gids, gsc, _ := got.trending(context.Background(), 20, all)
	wids, wsc, _ := want.trending(context.Background(), 20, all)
	if !slices.Equal(gids, wids) || !slices.Equal(gsc, wsc) {
		t.Errorf("trending answers %v %v, want %v %v", gids, gsc, wids, wsc)
	}
}

// corrupt flips one byte of a file at offset off.
func corrupt(t *testing.T, path string, off int64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[off] ^= 0x5a
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
