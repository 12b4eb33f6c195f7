package sim_test

import (
	"context"
	"errors"
	"testing"

	"github.com/recd/recd/client"
	"github.com/recd/recd/sim"
	"gonum.org/v1/gonum/stat/distuv"
)

// popVsHybrid is the must-show comparison: popularity alone against the default hybrid.
func popVsHybrid(t testing.TB, kind string) sim.Design {
	t.Helper()
	c, err := sim.ParseVariant("popular", 50)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := sim.ParseVariant("hybrid", 50)
	if kind == "aa" {
		c, h = sim.Variant{Name: "a1", Weight: 50}, sim.Variant{Name: "a2", Weight: 50}
	}
	return sim.Design{Kind: kind, Control: c, Treatment: h}
}

func newDriver(t testing.TB, urls ...string) *sim.Driver {
	o := sim.DefaultOptions()
	return &sim.Driver{Split: testSplit(t), URLs: urls, Reset: true, Opts: o}
}

// TestDriver_SameSeedSameOutcome: with the users reset, a second run of one seed sees the
// same lists, clicks, assignment and report; another seed does not.
func TestDriver_SameSeedSameOutcome(t *testing.T) {
	d := newDriver(t, sharedServer(t))
	ctx := context.Background()
	design := popVsHybrid(t, "ab")
	a, err := d.Run(ctx, design, 40, 9, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.Run(ctx, design, 40, 9, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.SameOutcome(a, b); err != nil {
		t.Fatalf("same seed: %v", err)
	}
	c, err := d.Run(ctx, design, 40, 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sim.SameOutcome(a, c) == nil {
		t.Fatal("seeds 9 and 10 gave the same outcome")
	}
	cl, _ := client.New(d.URLs[0])
	if err := sim.CheckAttribution(ctx, cl, c.Tally); err != nil {
		t.Fatal(err)
	}
	// The check is not vacuous: a click moved to another position is caught.
	c.Tally.Clicks[0].Position++
	if sim.CheckAttribution(ctx, cl, c.Tally) == nil {
		t.Fatal("CheckAttribution accepted a click at the wrong position")
	}
}

func TestBinomialBound(t *testing.T) {
	for _, c := range []struct {
		n        int
		p, alpha float64
	}{{100, 0.05, 0.01}, {20, 0.05, 0.01}, {50, 0.01, 0.05}} {
		k := sim.BinomialBound(c.n, c.p, c.alpha)
		b := distuv.Binomial{N: float64(c.n), P: c.p}
		if tail := 1 - b.CDF(float64(k)); tail > c.alpha {
			t.Errorf("n=%d: P(X > %d) = %.4f > %g", c.n, k, tail, c.alpha)
		}
		if tail := 1 - b.CDF(float64(k-1)); tail <= c.alpha {
			t.Errorf("n=%d: %d is not the smallest bound: P(X > %d) = %.4f", c.n, k, k-1, tail)
		}
	}
}

// needExperiments skips a test when the server has no experiment routes.
func needExperiments(t *testing.T, url string) {
	t.Helper()
	a, err := sim.NewAdmin(url, "")
	if err != nil {
		t.Fatal(err)
	}
	err = a.PutExperiment(context.Background(), "probe", sim.Experiment{})
	if errors.Is(err, sim.ErrNoExperiments) {
		t.Skip("the server has no experiment routes")
	}
}
