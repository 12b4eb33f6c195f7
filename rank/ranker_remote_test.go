package rank_test

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/recd/recd/oip"
	"github.com/recd/recd/oip/oiptest"
	"github.com/recd/recd/rank"
)

// TestPipeline_RemoteRanker serves through a model server double (oiptest) speaking the Open
// Inference Protocol: the list follows the remote scores of the rows the local feature
// function computes; a 500 or a timeout falls back to the local ranker, or to the blend
// without one, and the response says which.
func TestPipeline_RemoteRanker(t *testing.T) {
	// The local ranker follows EASE; the remote model prefers the least interacted-with items.
	p, _, hist := rankedPipeline(t, map[string]float64{"src_ease_score": 1})
	fs := p.Features()
	count := slices.Index(fs.Names, "item_count_log")
	srv := oiptest.NewServer("ranker", func(names []string, X []float32, rows int) []float64 {
		out := make([]float64, rows)
		for r := range out {
			out[r] = -float64(X[r*len(names)+count])
		}
		return out
	})
	defer srv.Close()
	client, err := oip.New(srv.URL, "ranker", nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	req := rank.Request{History: hist, N: 20}
	remoteOpts := p.Opts
	remoteOpts.Remote, remoteOpts.RemoteTimeout = client, 2*time.Second
	remote := rank.NewPipeline(p.M, p.Catalog, p.Index, nil, remoteOpts)
	local, _ := p.Recommend(ctx, req)

	got, err := remote.Recommend(ctx, req)
	if err != nil || got.RankerFallback != "" {
		t.Fatalf("err %v, fallback %q", err, got.RankerFallback)
	}
	ex, _ := p.RankerCandidates(ctx, req)
	sent, calls := srv.Last()
	if calls != 1 || !slices.Equal(sent.X, ex.X) || !slices.Equal(sent.FeatureNames, fs.Names) {
		t.Fatalf("the server got %d calls, %d values (want the %d of the feature rows) named %v", calls, len(sent.X), len(ex.X), sent.FeatureNames)
	}
	countOf := map[string]float32{}
	for j, id := range ex.IDs {
		countOf[id] = ex.X[j*len(fs.Names)+count]
	}
	for k := 1; k < len(got.Items); k++ {
		if a, b := got.Items[k-1].ID, got.Items[k].ID; countOf[a] > countOf[b] {
			t.Fatalf("item %d (%s) before %s: not the remote model's order", k-1, a, b)
		}
	}
	if slices.Equal(recIDs(got.Items), recIDs(local.Items)) {
		t.Fatal("the remote ranker served the local ranker's list")
	}

	srv.SetFail(http.StatusInternalServerError)
	if got, _ := remote.Recommend(ctx, req); got.RankerFallback != rank.FallbackLocal || !slices.Equal(recIDs(got.Items), recIDs(local.Items)) {
		t.Fatalf("500: fallback %q, items equal the local ranker's: %v", got.RankerFallback, slices.Equal(recIDs(got.Items), recIDs(local.Items)))
	}
	srv.SetFail(0)
	srv.SetDelay(time.Second)
	remoteOpts.RemoteTimeout = 20 * time.Millisecond
	slow := rank.NewPipeline(p.M, p.Catalog, p.Index, nil, remoteOpts)
	start := time.Now()
	if got, _ := slow.Recommend(ctx, req); got.RankerFallback != rank.FallbackLocal || !slices.Equal(recIDs(got.Items), recIDs(local.Items)) {
		t.Fatalf("timeout: fallback %q", got.RankerFallback)
	}
	if waited := time.Since(start); waited > 900*time.Millisecond {
		t.Fatalf("the request waited %v for a remote ranker with a 20ms timeout", waited)
	}

	// Without a local ranker a failure serves the blend.
	noLocal := *p.M
	noLocal.Ranker = nil
	blend, _ := rank.NewPipeline(&noLocal, p.Catalog, p.Index, nil, p.Opts).Recommend(ctx, req)
	got, err = rank.NewPipeline(&noLocal, p.Catalog, p.Index, nil, remoteOpts).Recommend(ctx, req)
	if err != nil || got.RankerFallback != rank.FallbackBlend || !slices.Equal(recIDs(got.Items), recIDs(blend.Items)) {
		t.Fatalf("no local ranker, timeout: err %v, fallback %q", err, got.RankerFallback)
	}
	srv.SetDelay(0)
	remoteOpts.RemoteTimeout = 2 * time.Second
	if got, _ := rank.NewPipeline(&noLocal, p.Catalog, p.Index, nil, remoteOpts).Recommend(ctx, req); got.RankerFallback != "" ||
		slices.Equal(recIDs(got.Items), recIDs(blend.Items)) {
		t.Fatalf("no local ranker, the server answering: fallback %q, the blend's list served", got.RankerFallback)
	}
}
