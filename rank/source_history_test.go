package rank_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/recd/recd/rank"
)

// A history longer than Options.SourceHistory: the history sources read only its newest
// items (the item-kNN reasons cite no older one), yet no item of the whole history is
// recommended. With the cut off, older items are cited, so the test can tell.
func TestPipeline_SourceHistoryCutsTheSourcesNotTheExclusion(t *testing.T) {
	p, _ := benchPipeline(t, 2000)
	var hist []rank.Interaction
	newest := map[string]bool{}
	for k := 0; k < 1200; k++ { // item ik, at time k: the newest are the highest k
		id := "i" + strconv.Itoa(k)
		hist = append(hist, rank.Interaction{ItemID: id, Weight: 1, Last: time.Unix(int64(k), 0)})
		if k >= 1200-100 {
			newest[id] = true
		}
	}
	inHistory := map[string]bool{}
	for _, h := range hist {
		inHistory[h.ItemID] = true
	}
	cited := func(cut int) (old int) {
		p.Opts.SourceHistory = cut
		resp, err := p.Recommend(context.Background(), rank.Request{History: hist, N: 50})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Items) == 0 {
			t.Fatal("no recommendations")
		}
		if want := max(len(hist)-cut, 0) * min(cut, 1); resp.HistoryCut != want {
			t.Errorf("cut %d: HistoryCut = %d, want %d", cut, resp.HistoryCut, want)
		}
		for _, it := range resp.Items {
			if inHistory[it.ID] {
				t.Errorf("cut %d: %s of the history recommended", cut, it.ID)
			}
			for _, r := range it.Reasons {
				if r.Type != rank.ReasonSimilarTo {
					continue
				}
				for _, id := range r.Items {
					if !newest[id] {
						old++
					}
				}
			}
		}
		return old
	}
	if old := cited(100); old != 0 {
		t.Errorf("with the newest 100 items read, %d reasons cite older ones", old)
	}
	if old := cited(0); old == 0 {
		t.Error("with the whole history read, no reason cites an item outside the newest 100: the test cannot tell")
	}
}
