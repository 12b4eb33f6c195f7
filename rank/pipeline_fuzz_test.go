package rank_test

import (
	"context"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/recd/recd/rank"
)

// FuzzPipeline_Recommend runs whole requests (history, session, context, every re-ranking
// knob, the source cache) against a small synthetic catalog: whatever the request, the
// pipeline answers at most n distinct catalog items with finite scores, none the user has
// seen unless asked for, none an anonymous session clicked, none an exclude names, each
// with a reason.
func FuzzPipeline_Recommend(f *testing.F) {
	p, _ := benchPipeline(f, 400)
	cache := rank.NewSourceCache(rank.DefaultSourceCacheOptions())
	f.Add(uint64(1), uint8(10), uint8(30), uint8(3), uint8(0), 0.5, 0.0, 0.3, 0.3, 0.0, false, false)
	f.Add(uint64(2), uint8(10), uint8(0), uint8(3), uint8(0), 0.0, 0.0, 0.0, 0.3, 0.0, true, false)
	f.Add(uint64(3), uint8(1), uint8(2), uint8(0), uint8(2), 1.0, 1.0, 1.0, 1.0, 1.0, false, true)
	f.Add(uint64(4), uint8(50), uint8(200), uint8(5), uint8(5), 0.2, 0.7, 0.1, 0.0, 0.5, false, false)
	f.Fuzz(func(t *testing.T, seed uint64, n, nHist, nRecent, nContext uint8, div, cal, tail, sw, exp float64, anon, includeSeen bool) {
		rng := rand.New(rand.NewPCG(seed, 7))
		item := func() string {
			if rng.IntN(20) == 0 {
				return "unknown-" + strconv.Itoa(rng.IntN(5)) // ids outside the catalog
			}
			return "i" + strconv.Itoa(rng.IntN(400))
		}
		unit := func(x float64) float64 {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return 0
			}
			return math.Abs(math.Mod(x, 1))
		}
		div, cal, tail, sw, exp = unit(div), unit(cal), unit(tail), unit(sw), unit(exp)
		req := rank.Request{N: 1 + int(n)%60, IncludeSeen: includeSeen,
			Diversity: &div, Calibration: &cal, LongTailShare: &tail, SessionWeight: &sw, ExposureStrength: &exp}
		if !anon {
			for k := 0; k < int(nHist)%120; k++ {
				req.History = append(req.History, rank.Interaction{ItemID: item(), Weight: float64(rng.IntN(7) - 2)})
			}
			if rng.IntN(2) == 0 {
				req.SourceCache, req.SourceKey = cache, "u"+strconv.Itoa(rng.IntN(3))
			}
		}
		for k := 0; k < int(nRecent)%8; k++ {
			req.Recent = append(req.Recent, item())
		}
		for k := 0; k < int(nContext)%4; k++ {
			req.ContextItems = append(req.ContextItems, item())
		}
		if rng.IntN(3) == 0 {
			req.Rules.Exclude = []string{item(), item()}
		}
		if len(req.History) == 0 && len(req.Recent) == 0 && len(req.ContextItems) == 0 {
			req.Recent = []string{item()}
		}
		resp, err := p.Recommend(context.Background(), req)
		if err != nil {
			t.Fatalf("Recommend: %v", err)
		}
		if len(resp.Items) > req.N {
			t.Fatalf("%d items for n = %d", len(resp.Items), req.N)
		}
		banned := map[string]string{}
		for _, id := range req.Rules.Exclude {
			banned[id] = "excluded"
		}
		if !includeSeen {
			for _, h := range req.History {
				banned[h.ItemID] = "in the history"
			}
			for _, id := range req.ContextItems {
				banned[id] = "a context item"
			}
			if len(req.History) == 0 {
				for _, id := range req.Recent[:min(len(req.Recent), p.Opts.SessionN)] {
					banned[id] = "clicked in the session"
				}
			}
		}
		seen := map[string]bool{}
		for _, it := range resp.Items {
			if seen[it.ID] {
				t.Fatalf("%s twice in %v", it.ID, resp.Items)
			}
			seen[it.ID] = true
			if why, ok := banned[it.ID]; ok {
				t.Fatalf("%s recommended though %s", it.ID, why)
			}
			if _, ok := p.Catalog.Item(it.ID); !ok {
				t.Fatalf("%s is not in the catalog", it.ID)
			}
			if math.IsNaN(it.Score) || math.IsInf(it.Score, 0) {
				t.Fatalf("%s scores %v", it.ID, it.Score)
			}
			if len(it.Reasons) == 0 {
				t.Fatalf("%s has no reason (strategy %s)", it.ID, resp.Strategy)
			}
		}
	})
}

// The session source is on unless its weight is 0, whether or not the weights name it (as
// every source: one they do not name has the blend's default weight).
func TestPipeline_SessionSourceWeight(t *testing.T) {
	p, hist := benchPipeline(t, 2000)
	ctx := context.Background()
	recent := []string{"i1500", "i1700", "i1900"} // the unpopular end, far from the history
	cos := func(a, b []float32) float64 {
		var d, na, nb float64
		for k := range a {
			d, na, nb = d+float64(a[k])*float64(b[k]), na+float64(a[k])*float64(a[k]), nb+float64(b[k])*float64(b[k])
		}
		return d / math.Sqrt(na*nb)
	}
	// fromSource counts the items with a session reason that the session boost could not
	// have given (it names recent items of content similarity >= SessionReasonMinSim).
	fromSource := func(weights map[string]float64) int {
		resp, err := p.Recommend(ctx, rank.Request{History: hist, Recent: recent, N: 10, Weights: weights})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, it := range resp.Items {
			vecs, err := p.Index.Vectors(ctx, rank.SpaceContent, append([]string{it.ID}, recent...))
			if err != nil {
				t.Fatal(err)
			}
			near := false
			for _, r := range recent {
				near = near || cos(vecs[it.ID], vecs[r]) >= rank.SessionReasonMinSim
			}
			for _, r := range it.Reasons {
				if r.Type == rank.ReasonSession && !near {
					n++
					break
				}
			}
		}
		return n
	}
	// Configured weights that do not name the session (RECD_RANK_WEIGHTS replaces the map).
	p.Opts.Weights = map[string]float64{"itemknn": 0.3, "cf": 0.5, "content": 0.1, "popular": 0.02}
	if n := fromSource(nil); n == 0 {
		t.Error("weights that do not name the session: no item from the session source")
	}
	if n := fromSource(map[string]float64{"session": 0}); n != 0 {
		t.Errorf("session weight 0: %d items from the session source", n)
	}
}
