package sim_test

import (
	"context"
	"testing"

	"github.com/recd/recd/client"
	"github.com/recd/recd/internal/racetest"
	"github.com/recd/recd/sim"
)

// TestSimulation_ABHybridBeatsPopularity: an A/B test of popularity alone against the default
// hybrid, 300 simulated users, reports a lift for the hybrid at p < 0.01 with the sample-ratio
// check passing, and its counts are the simulator's own.
func TestSimulation_ABHybridBeatsPopularity(t *testing.T) {
	if racetest.Enabled {
		t.Skip(racetest.SkipMsg)
	}
	url := sharedServer(t)
	needExperiments(t, url)
	d := newDriver(t, url)
	o, err := d.Run(context.Background(), popVsHybrid(t, "ab"), 300, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := o.Report
	h := sim.ReportVariant(r, "hybrid")
	if h == nil || h.PValue == nil || h.Lift == nil {
		t.Fatalf("the report has no lift and p-value for the hybrid: %+v", r)
	}
	if !(*h.PValue < 0.01) || !(h.Lift.Low > 0) {
		t.Fatalf("hybrid lift %+v, p %g: want a positive lift at p < 0.01", *h.Lift, *h.PValue)
	}
	if !r.SRM.OK {
		t.Fatalf("sample-ratio check failed: %+v", r.SRM)
	}
	cl, _ := client.New(url)
	if err := sim.CheckAttribution(context.Background(), cl, o.Tally); err != nil {
		t.Fatal(err)
	}
	if err := sim.CheckReport(r, o.Tally, false); err != nil {
		t.Fatal(err)
	}
	t.Logf("hybrid lift %.1f%% [%.1f%%, %.1f%%], p %.2g; simulator's own: lift %.1f%%, p %.2g",
		100*h.Lift.Value, 100*h.Lift.Low, 100*h.Lift.High, *h.PValue, 100*o.Own.Lift, o.Own.P)
}

// TestSimulation_AAFalsePositives: seeded A/A experiments tested at 5% on the primary metric
// are significant no more often than chance allows: more than BinomialBound(runs, 0.05, 0.01)
// would happen with probability under 1% if the test held its level. `recd simulate
// --experiment aa --runs 100` is the full-size run.
func TestSimulation_AAFalsePositives(t *testing.T) {
	if testing.Short() || racetest.Enabled {
		t.Skip("repeats seeded experiments for half a minute; recd simulate runs the full size")
	}
	url := sharedServer(t)
	needExperiments(t, url)
	d := newDriver(t, url)
	d.Reset = false // an A/A run only needs a new experiment id and seed
	const runs = 8
	s, err := d.Repeat(context.Background(), popVsHybrid(t, "aa"), 80, runs, 100, 0.05, nil)
	if err != nil {
		t.Fatal(err)
	}
	bound := sim.BinomialBound(runs, 0.05, 0.01)
	if s.Significant > bound {
		t.Fatalf("%d of %d A/A runs significant at 5%%, more than the %d chance allows", s.Significant, runs, bound)
	}
	if s.SRMFailed > bound {
		t.Fatalf("%d of %d A/A runs failed the sample-ratio check", s.SRMFailed, runs)
	}
	t.Logf("%d of %d A/A runs significant at 5%% (bound %d)", s.Significant, runs, bound)
}

// TestSimulation_InterleavingNeedsFewerUsers: with the same 75 users per run, interleaving of
// popularity and the hybrid reaches p < 0.01 in at least 4 of 5 seeded runs, always preferring
// the hybrid, and the A/B test of the same two variants in fewer. It does not show the issue's
// "a quarter of the users": `recd simulate --search` measures the ratio (docs/evaluation.md),
// and it stays above a quarter in this simulation.
func TestSimulation_InterleavingNeedsFewerUsers(t *testing.T) {
	if testing.Short() || racetest.Enabled {
		t.Skip("repeats seeded experiments for half a minute; recd simulate runs the full size")
	}
	url := sharedServer(t)
	needExperiments(t, url)
	d := newDriver(t, url)
	ctx := context.Background()
	const runs, users = 5, 75
	il, err := d.Repeat(ctx, popVsHybrid(t, "interleaving"), users, runs, 200, 0.01, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range il.Runs {
		// The share is the control's (popularity): below one half, the hybrid won.
		if o.Report.Interleaving == nil || !(o.Report.Interleaving.PreferenceShare < 0.5) {
			t.Fatalf("%s: interleaving does not prefer the hybrid: %+v", o.ID, o.Report.Interleaving)
		}
		if err := sim.CheckReport(o.Report, o.Tally, true); err != nil {
			t.Fatalf("%s: %v", o.ID, err)
		}
	}
	ab, err := d.Repeat(ctx, popVsHybrid(t, "ab"), users, runs, 200, 0.01, nil)
	if err != nil {
		t.Fatal(err)
	}
	if il.Power() < 0.8 || ab.Significant >= il.Significant {
		t.Fatalf("%d users: interleaving reached p < 0.01 in %d of %d runs, A/B in %d; want interleaving in 4 or more and A/B in fewer",
			users, il.Significant, runs, ab.Significant)
	}
	t.Logf("%d users: interleaving %d/%d significant, A/B %d/%d", users, il.Significant, runs, ab.Significant, runs)
}
