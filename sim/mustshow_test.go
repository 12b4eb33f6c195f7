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

// TestSimulation_InterleavingNeedsFewerUsers: at a quarter of the users with which the A/B
// test reaches p < 0.01 in at least 80% of seeded runs, interleaving of the same two variants
// reaches it in at least 80% of its runs, and prefers the hybrid. `recd simulate --search`
// finds the smallest counts.
func TestSimulation_InterleavingNeedsFewerUsers(t *testing.T) {
	if testing.Short() || racetest.Enabled {
		t.Skip("repeats seeded experiments for half a minute; recd simulate runs the full size")
	}
	url := sharedServer(t)
	needExperiments(t, url)
	d := newDriver(t, url)
	ctx := context.Background()
	const runs = 5
	ab, err := d.Repeat(ctx, popVsHybrid(t, "ab"), 200, runs, 200, 0.01, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ab.Power() < 0.8 {
		t.Fatalf("A/B with 200 users reached p < 0.01 in %d of %d runs; the comparison needs it at 80%%", ab.Significant, runs)
	}
	il, err := d.Repeat(ctx, popVsHybrid(t, "interleaving"), 50, runs, 200, 0.01, nil)
	if err != nil {
		t.Fatal(err)
	}
	if il.Power() < 0.8 {
		t.Fatalf("interleaving with 50 users reached p < 0.01 in %d of %d runs", il.Significant, runs)
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
	t.Logf("A/B 200 users: %d/%d significant; interleaving 50 users: %d/%d", ab.Significant, runs, il.Significant, runs)
}
