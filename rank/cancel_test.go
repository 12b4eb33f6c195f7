package rank_test

import (
	"context"
	"errors"
	"testing"

	"github.com/recd/recd/rank"
)

// tripCtx is a context whose Err reports context.Canceled from its trip-th call on (never
// when trip is 0), so a test can cancel a request exactly at each point a stage checks.
type tripCtx struct {
	context.Context
	calls, trip int
}

func (c *tripCtx) Err() error {
	c.calls++
	if c.trip > 0 && c.calls >= c.trip {
		return context.Canceled
	}
	return nil
}

// TestPipeline_Cancelled checks that a cancelled request stops with context.Canceled: at
// once when cancelled before it starts, and at whichever check of the context first sees
// the cancellation, on a large pool that every stage works through (all sources 2,000
// deep, the whole pool re-ranked by MMR and calibration at once).
func TestPipeline_Cancelled(t *testing.T) {
	p, hist := benchPipeline(t, 5000)
	p.Opts.SourceK, p.Opts.RerankSourceK, p.Opts.RerankPool = 2000, 2000, 0
	d, c, n := 0.5, 0.5, 60
	req := rank.Request{History: hist, Recent: []string{hist[0].ItemID, hist[1].ItemID}, N: n, Diversity: &d, Calibration: &c}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Recommend(ctx, req); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled before the start: got %v, want context.Canceled", err)
	}

	full := &tripCtx{Context: context.Background()}
	resp, err := p.Recommend(full, req)
	if err != nil || len(resp.Items) != n {
		t.Fatalf("not cancelled: %v, %d items", err, len(resp.Items))
	}
	// One check before each stage and source, then at least one per greedy step.
	if full.calls < n {
		t.Fatalf("a whole request checks the context %d times, want at least one per greedy step (%d)", full.calls, n)
	}
	for trip := 1; trip <= full.calls; trip++ {
		tc := &tripCtx{Context: context.Background(), trip: trip}
		if _, err := p.Recommend(tc, req); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled at check %d of %d: got %v, want context.Canceled", trip, full.calls, err)
		}
		// The stage that saw it returns; an index that checks ctx itself may add a check or
		// two before the next stage does.
		if tc.calls > trip+2 {
			t.Fatalf("cancelled at check %d: went on to check %d times", trip, tc.calls)
		}
	}
}
