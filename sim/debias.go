package sim

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Variants of the debiasing experiment: the ranker trained on the logged clicks with
// inverse-propensity weights (the control), the one trained on the same clicks without them,
// and the hand-weighted blend.
const (
	VariantDebiased = "debiased"
	VariantRaw      = "raw"
	VariantBlend    = "blend"
)

// Debias compares learned rankers trained on logged clicks with and without position
// debiasing. The server at URL must log the ranker's feature rows of every list it serves
// (ranker.log_features 1) and should explore (rank.rotation or diversity), so that clicks
// land on many positions. A run has two phases over disjoint users drawn with Opts.Seed:
//
//  1. logging: Opts.Users users visit the server as it is (Opts.Visits lists each) and click
//     with the position-biased click model; the lists, their feature rows and the clicks
//     attributed to them are stored;
//  2. after Retrain has saved two model versions from what the store then holds, the ranker
//     of one trained on the logged clicks weighted by inverse propensity and of the other on
//     the same clicks unweighted, an A/B experiment with three equal variants (the debiased
//     version pinned, the raw version pinned, and "ranker": false) serves Opts.Users fresh
//     users, and the server's report compares their per-user CTR with the debiased control.
type Debias struct {
	Split *Split
	URL   string
	Key   string // an admin key, or "" with authentication off
	Opts  Options
	// Flush makes the served lists durable (the embedded server's); nil: the driver waits
	// for the report to count every list.
	Flush func(context.Context) error
	// Retrain saves a new model version trained on everything the store holds, its ranker on
	// the logged clicks (ranker.labels online) with or without inverse-propensity weights,
	// and returns the version; it must not change what the server at URL serves by default.
	Retrain func(ctx context.Context, debias bool) (string, error)
	// PinTimeout bounds the wait for the server to load the pinned versions (default 3 min).
	PinTimeout time.Duration
}

// DebiasOutcome is one debiasing run.
type DebiasOutcome struct {
	ID            string
	Logged        *Tally // the logging phase
	Debiased, Raw string // the two versions
	Tally         *Tally // the experiment phase
	Report        *Report
}

// Run runs both phases and returns what the simulator saw and the server reported.
func (d *Debias) Run(ctx context.Context, done func()) (*DebiasOutcome, error) {
	if d.Retrain == nil {
		return nil, errors.New("sim: debias needs a Retrain")
	}
	o := d.Opts
	drawn := d.Split.Draw(2*o.Users, o.Seed)
	if len(drawn) < 2*o.Users {
		return nil, fmt.Errorf("sim: debias needs %d users with held-out items, the split has %d", 2*o.Users, len(drawn))
	}
	r, err := NewRunner(d.Split, []string{d.URL}, d.Key, o)
	if err != nil {
		return nil, err
	}
	out := &DebiasOutcome{ID: fmt.Sprintf("sim-debias-%d-%d", o.Users, o.Seed)}
	if out.Logged, err = r.Run(ctx, drawn[:o.Users], nil, done); err != nil {
		return nil, fmt.Errorf("logging phase: %w", err)
	}
	if d.Flush != nil {
		if err := d.Flush(ctx); err != nil {
			return nil, err
		}
	}
	if out.Debiased, err = d.Retrain(ctx, true); err != nil {
		return nil, fmt.Errorf("train the debiased ranker: %w", err)
	}
	if out.Raw, err = d.Retrain(ctx, false); err != nil {
		return nil, fmt.Errorf("train the raw ranker: %w", err)
	}
	admin, err := NewAdmin(d.URL, d.Key)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	exp := Experiment{Design: "ab", Unit: "user", Start: now.Add(-time.Minute).UTC().Truncate(time.Second),
		End: now.Add(24 * time.Hour).UTC().Truncate(time.Second), Variants: []Variant{
			{Name: VariantDebiased, Weight: 1, Overrides: map[string]any{"model_version": out.Debiased}},
			{Name: VariantRaw, Weight: 1, Overrides: map[string]any{"model_version": out.Raw}},
			{Name: VariantBlend, Weight: 1, Overrides: map[string]any{"ranker": false}}}}
	if err := admin.PutExperiment(ctx, out.ID, exp); err != nil {
		return nil, fmt.Errorf("create experiment %s: %w", out.ID, err)
	}
	defer admin.DeleteExperiment(context.WithoutCancel(ctx), out.ID)
	if err := d.waitPinned(ctx, admin, out.ID, drawn[o.Users]); err != nil {
		return nil, err
	}
	if out.Tally, err = r.Run(ctx, drawn[o.Users:], nil, done); err != nil {
		return nil, fmt.Errorf("experiment phase: %w", err)
	}
	drv := &Driver{URLs: []string{d.URL}, Key: d.Key, Flush: d.Flush}
	if out.Report, err = drv.report(ctx, admin, out.ID, out.Tally); err != nil {
		return nil, err
	}
	return out, nil
}

// waitPinned previews user's lists (which records nothing) until no variant falls back from
// its pinned version: the server loads pinned versions in the background.
func (d *Debias) waitPinned(ctx context.Context, admin *Admin, id, user string) error {
	timeout := d.PinTimeout
	if timeout <= 0 {
		timeout = 3 * time.Minute
	}
	deadline := time.Now().Add(timeout)
	for {
		p, err := admin.c.PreviewExperiment(ctx, id, user, d.Opts.ListSize)
		if err != nil {
			return fmt.Errorf("preview %s: %w", id, err)
		}
		why := ""
		for _, v := range p.Variants {
			if v.ModelFallback != "" {
				why = v.ModelFallback
			}
		}
		if why == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("sim: the pinned versions did not load within %v: %s", timeout, why)
		}
		if err := sleep(ctx, 200*time.Millisecond); err != nil {
			return err
		}
	}
}
