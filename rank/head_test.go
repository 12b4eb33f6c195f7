package rank_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
	"github.com/recd/recd/model"
	"github.com/recd/recd/rank"
)

// TestPipeline_HeadOf checks that the plain-request shortcut ranks exactly what the whole
// pool ranks: the same items, scores and reasons, with and without the session boost, rules
// (categories, attribute filters, excluded ids in and outside the model), context items,
// extra sources, seen items and the source cache, for warm users, anonymous sessions, the
// popularity and the query strategies; and that every one of these requests did take the
// shortcut. A fresh source cache answers what the sources computed without it do.
func TestPipeline_HeadOf(t *testing.T) {
	p, hist := benchPipeline(t, 2000)
	rng := rand.New(rand.NewPCG(7, 7))
	ctx := context.Background()
	cache := rank.NewSourceCache(rank.DefaultSourceCacheOptions())
	for trial := range 48 {
		h := append([]rank.Interaction(nil), hist[:5+rng.IntN(len(hist)-5)]...)
		recent := []string{h[rng.IntN(len(h))].ItemID, h[rng.IntN(len(h))].ItemID}
		n := []int{1, 10, 50}[trial%3]
		w := []float64{0, 0.3, 1}[(trial/3)%3]
		req := rank.Request{History: h, Recent: recent, N: n, SessionWeight: &w}
		if trial%2 == 1 {
			req.Rules = rank.Rules{ExcludeCategories: []string{"h"}}
		}
		if trial%5 == 2 {
			req.Rules.Filters = []index.Condition{{Field: "year", Op: "gte", Value: 1980.0}}
		}
		if trial%9 == 8 {
			req.Rules.Exclude = []string{"i" + strconv.Itoa(rng.IntN(50)), "unknown"}
		}
		if trial%7 == 5 {
			req.ContextItems = []string{"i" + strconv.Itoa(rng.IntN(2000))}
		}
		if trial%6 == 4 {
			req.Extra = []rank.SourceList{{Name: "text", Items: []rank.SourceScore{{ID: "i" + strconv.Itoa(rng.IntN(2000)), Score: 2},
				{ID: "i" + strconv.Itoa(rng.IntN(2000)), Score: 1}}}}
		}
		req.IncludeSeen = trial%8 == 6
		switch trial {
		case 0: // no history: the popularity strategy
			req.History, req.Recent = nil, nil
		case 24: // no history, a session: the session strategy
			req.History = nil
		case 40: // no history, extra sources: the query strategy
			req.History, req.Recent = nil, nil
		}
		fresh := trial%8 == 7 // a fresh cache: computes the sources as the request without it does
		if trial%4 == 3 {
			req.SourceCache, req.SourceKey = cache, "u"
			if fresh {
				req.SourceCache = rank.NewSourceCache(rank.DefaultSourceCacheOptions())
			}
		}
		t.Run(fmt.Sprintf("trial=%d/n=%d/w=%v", trial, n, w), func(t *testing.T) {
			rank.SetNoHead(p, true)
			want, err := p.Recommend(ctx, req)
			rank.SetNoHead(p, false)
			if err != nil {
				t.Fatal(err)
			}
			heads := rank.HeadRuns(p)
			got, err := p.Recommend(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if rank.HeadRuns(p) != heads+1 {
				t.Fatalf("strategy %s: the request did not take the shortcut", got.Strategy)
			}
			if len(got.Items) != len(want.Items) || len(got.Items) != n {
				t.Fatalf("got %d items, want %d (n=%d)", len(got.Items), len(want.Items), n)
			}
			for i := range want.Items {
				g, w := got.Items[i], want.Items[i]
				if g.ID != w.ID || g.Score != w.Score || fmt.Sprint(g.Reasons) != fmt.Sprint(w.Reasons) {
					t.Fatalf("item %d: got %s %v %v, want %s %v %v", i, g.ID, g.Score, g.Reasons, w.ID, w.Score, w.Reasons)
				}
			}
			if !fresh {
				return
			}
			req.SourceCache = nil
			rank.SetNoHead(p, true)
			uncached, err := p.Recommend(ctx, req)
			rank.SetNoHead(p, false)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(uncached.Items) != fmt.Sprint(want.Items) {
				t.Fatalf("fresh cache: got %v, want %v", want.Items, uncached.Items)
			}
		})
	}
}

// TestPipeline_KNNTop checks that the sparse item-kNN scorer picks what ItemKNN.Score over the
// whole catalog picks, with the same scores, for histories of several lengths and weights.
func TestPipeline_KNNTop(t *testing.T) {
	p, hist := benchPipeline(t, 2000)
	rng := rand.New(rand.NewPCG(3, 3))
	for _, size := range []int{1, 5, 16, 17, 50} { // across knnTop's chunks of 16
		liked := append([]rank.Interaction(nil), hist[:size]...)
		for i := range liked {
			liked[i].Weight = 0.5 + rng.Float64()*3
		}
		for _, k := range []int{1, 10, 200} {
			got, want, gs, ws := rank.KNNTop(p, liked, k)
			if fmt.Sprint(got, gs) != fmt.Sprint(want, ws) {
				t.Errorf("size %d, k %d: got %v %v, want %v %v", size, k, got, gs, want, ws)
			}
			if len(want) == 0 {
				t.Errorf("size %d, k %d: no neighbours at all", size, k)
			}
		}
	}
}

// TestSourceCache_EASEUpdate checks that EASE scores updated from an older history's scores
// by the changed items (added, re-weighted, removed) match the scores computed at once.
func TestSourceCache_EASEUpdate(t *testing.T) {
	p, _ := benchPipeline(t, 600)
	d := model.NewBuilder(model.Weights{Default: 1})
	rng := rand.New(rand.NewPCG(5, 5))
	for _, id := range p.M.Items {
		d.AddItem(id)
	}
	for e := 0; e < 20000; e++ {
		d.Add(recd.Event{UserID: strconv.Itoa(rng.IntN(300)), ItemID: p.M.Items[int(float64(len(p.M.Items))*rng.Float64()*rng.Float64())], Type: "click"})
	}
	ease := model.NewEASE(model.DefaultEASEOptions())
	if err := ease.Fit(context.Background(), d.Build()); err != nil {
		t.Fatal(err)
	}
	p.M.EASE = ease
	liked := func(lo, hi int) []rank.Interaction {
		var out []rank.Interaction
		for i := lo; i < hi; i++ {
			out = append(out, rank.Interaction{ItemID: p.M.Items[i], Weight: 1})
		}
		return out
	}
	before, after := liked(0, 20), liked(1, 25) // one removed, five added
	after[3].Weight = 4                         // one re-weighted
	full, updated := rank.EASEScores(p, before, after)
	nonzero := 0
	for i := range full {
		if math.Abs(float64(full[i]-updated[i])) > 1e-4*(1+math.Abs(float64(full[i]))) {
			t.Fatalf("item %d: updated %v, computed at once %v", i, updated[i], full[i])
		}
		if full[i] != 0 {
			nonzero++
		}
	}
	if nonzero == 0 {
		t.Fatal("all scores are 0")
	}
}

// countingIndex counts the searches of the index it wraps.
type countingIndex struct {
	index.Index
	searches int
}

func (c *countingIndex) Search(ctx context.Context, req index.SearchRequest) ([]index.Hit, error) {
	c.searches++
	return c.Index.Search(ctx, req)
}

// TestSourceCache_Reuse checks when a user's cached sources serve (no index search) and
// when they are computed again: after MaxNewItems new liked items and after a catalog
// change, while the first liked items and a repeated request reuse them.
func TestSourceCache_Reuse(t *testing.T) {
	p, hist := benchPipeline(t, 2000)
	ci := &countingIndex{Index: p.Index}
	p.Index = ci
	cache := rank.NewSourceCache(rank.SourceCacheOptions{Size: 10, MaxAge: time.Hour, MaxNewItems: 3})
	seen := map[string]bool{}
	var h []rank.Interaction
	for _, x := range hist {
		if !seen[x.ItemID] {
			seen[x.ItemID] = true
			h = append(h, x)
		}
	}
	ctx := context.Background()
	ask := func(liked int) int {
		t.Helper()
		before := ci.searches
		resp, err := p.Recommend(ctx, rank.Request{History: h[:liked], N: 10, SourceCache: cache, SourceKey: "u"})
		if err != nil || len(resp.Items) != 10 {
			t.Fatalf("%v, %d items", err, len(resp.Items))
		}
		return ci.searches - before
	}
	steps := []struct {
		name    string
		liked   int
		change  bool
		compute bool
	}{
		{"first request", 10, false, true},
		{"same history", 10, false, false},
		{"two new liked items", 12, false, false},
		{"three new liked items", 13, false, true},
		{"catalog change", 13, true, true},
		{"after the recompute", 13, false, false},
		{"fewer liked items", 12, false, true},
	}
	for _, s := range steps {
		if s.change {
			cache.CatalogChanged()
		}
		if got := ask(s.liked) > 0; got != s.compute {
			t.Errorf("%s: searched the index %v, want %v", s.name, got, s.compute)
		}
	}
}
