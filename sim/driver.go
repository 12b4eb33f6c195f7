package sim

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/client"
)

// Design is what one simulated experiment compares: an A/B test (Kind "ab"), an A/A test
// (Kind "aa": the treatment serves what the control serves), or team-draft interleaving of the
// two in one list (Kind "interleaving").
type Design struct {
	Kind      string
	Control   Variant
	Treatment Variant
}

// Validate names what is wrong with the design.
func (d Design) Validate() error {
	switch {
	case d.Kind != "ab" && d.Kind != "aa" && d.Kind != "interleaving":
		return fmt.Errorf("sim: experiment must be ab, aa or interleaving, not %q", d.Kind)
	case d.Control.Name == "" || d.Treatment.Name == "" || d.Control.Name == d.Treatment.Name:
		return fmt.Errorf("sim: the two variants need two different names")
	}
	return nil
}

func (d Design) experiment(now time.Time) Experiment {
	design := "ab"
	if d.Kind == "interleaving" {
		design = "interleaving"
	}
	c, t := d.Control, d.Treatment
	if d.Kind == "aa" {
		t.Overrides = c.Overrides
	}
	return Experiment{Design: design, Unit: "user", Variants: []Variant{c, t},
		Start: now.Add(-time.Minute).UTC().Truncate(time.Second), End: now.Add(24 * time.Hour).UTC().Truncate(time.Second)}
}

// Outcome is one simulated experiment: what the simulator saw, what the server reported, and
// the decision.
type Outcome struct {
	ID     string
	Users  int
	Tally  *Tally
	Report *Report // nil when the server has no experiment routes
	// Own is the simulator's estimate from its tally (A/B and A/A); OwnShare and OwnP its
	// interleaving preference.
	Own      Estimate
	OwnShare float64
	OwnP     float64
	// P is the p-value the run is judged by: the report's (the treatment's, or the
	// interleaving preference's), else the simulator's own.
	P float64
	// SRMOK is the report's sample-ratio check, else the simulator's at 0.001.
	SRMOK bool
}

// Driver runs simulated experiments against one server (or replicas of one), each under its
// own experiment id and seed. Its runs must not overlap: a server runs one experiment at a
// time, so each run deletes its experiment before it returns.
type Driver struct {
	Split *Split
	URLs  []string // the first also gets the experiment calls
	Key   string   // an admin key, or "" with authentication off
	Opts  Options
	// Flush, when set, makes the served lists durable before a report is fetched (the
	// embedded server's); otherwise the driver waits for the report to count every user.
	Flush func(context.Context) error
	// Reset deletes each drawn user and writes their training part again before a run, so
	// that clicks of earlier runs do not shape this one.
	Reset bool
	// Settle, when set, is called after a reset and after each batch of clicks with the store
	// sequence of the last event written, and returns when every server serves from it
	// (replicas that follow the store).
	Settle func(ctx context.Context, lastSeq int64) error
	// Propagation is how long a new experiment takes to reach every server (replicas reread
	// the definitions periodically); the users arrive after it.
	Propagation time.Duration
}

// Run simulates one experiment with users users, drawn and clicking with seed.
func (d *Driver) Run(ctx context.Context, design Design, users int, seed int64, done func()) (*Outcome, error) {
	if err := design.Validate(); err != nil {
		return nil, err
	}
	id := fmt.Sprintf("sim-%s-%d-%d", design.Kind, users, seed)
	drawn := d.Split.Draw(users, seed)
	if d.Reset {
		if err := d.reset(ctx, drawn); err != nil {
			return nil, err
		}
	}
	admin, err := NewAdmin(d.URLs[0], d.Key)
	if err != nil {
		return nil, err
	}
	exp := design.experiment(time.Now())
	served := true
	if err := admin.PutExperiment(ctx, id, exp); errors.Is(err, ErrNoExperiments) {
		served = false
	} else if err != nil {
		return nil, fmt.Errorf("create experiment %s: %w", id, err)
	}
	if served {
		defer admin.DeleteExperiment(context.WithoutCancel(ctx), id)
		if err := sleep(ctx, d.Propagation); err != nil {
			return nil, err
		}
	}
	o := d.Opts
	o.Seed = seed
	r, err := NewRunner(d.Split, d.URLs, d.Key, o)
	if err != nil {
		return nil, err
	}
	r.Settle = d.Settle
	var pair Pair
	if design.Kind == "interleaving" {
		pair = &[2]string{design.Control.Name, design.Treatment.Name}
	}
	tally, err := r.Run(ctx, drawn, pair, done)
	if err != nil {
		return nil, err
	}
	out := &Outcome{ID: id, Users: len(drawn), Tally: tally}
	out.Own = tally.Compare(design.Control.Name, design.Treatment.Name)
	out.OwnShare, out.OwnP = tally.Preference()
	out.P, out.SRMOK = out.Own.P, tally.SampleRatio([]string{design.Control.Name, design.Treatment.Name},
		[]float64{exp.Variants[0].Weight, exp.Variants[1].Weight}) >= 0.001
	if pair != nil {
		out.P, out.SRMOK = out.OwnP, true
	}
	if served {
		if out.Report, err = d.report(ctx, admin, id, tally); err != nil {
			return nil, err
		}
		out.judge(design)
	}
	return out, nil
}

// judge takes the decision from the server's report.
func (o *Outcome) judge(design Design) {
	r := o.Report
	o.SRMOK = r.SRM.OK
	if design.Kind == "interleaving" && r.Interleaving != nil {
		o.P = r.Interleaving.PValue
		return
	}
	if v := ReportVariant(r, design.Treatment.Name); v != nil && v.PValue != nil {
		o.P = *v.PValue
	} else {
		o.P = math.NaN()
	}
}

// report fetches the report once it counts every item the simulator was shown (the served
// lists reach the store in batches), or after 30 s as it is then.
func (d *Driver) report(ctx context.Context, admin *Admin, id string, t *Tally) (*Report, error) {
	if d.Flush != nil {
		if err := d.Flush(ctx); err != nil {
			return nil, err
		}
	}
	shown := 0
	for _, v := range t.Variants {
		shown += v.Impressions
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		r, err := admin.Report(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("report of %s: %w", id, err)
		}
		n := 0
		for _, v := range r.Variants {
			n += v.Impressions
		}
		if n >= shown {
			// Once every list is stored, fetch once more: a report read while the last batch
			// of lists was being written may have missed clicks on it.
			if err := sleep(ctx, settleReport); err != nil {
				return nil, err
			}
			r, err := admin.Report(ctx, id)
			if err != nil {
				return nil, fmt.Errorf("report of %s: %w", id, err)
			}
			return r, nil
		}
		if time.Now().After(deadline) {
			return r, nil
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return nil, err
		}
	}
}

// settleReport is how long the driver waits, once a report counts every list, before the
// report it keeps.
const settleReport = 300 * time.Millisecond

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// reset deletes users and writes their training part again, through the first server, then
// waits for Settle.
func (d *Driver) reset(ctx context.Context, users []string) error {
	c, err := newClient(d.URLs[0], d.Key)
	if err != nil {
		return err
	}
	var last int64
	for _, u := range users {
		var nf *client.Error
		if err := c.DeleteUser(ctx, u); err != nil && !(errors.As(err, &nf) && nf.StatusCode == 404) {
			return fmt.Errorf("reset %s: %w", u, err)
		}
		evs := d.Split.TrainOf(u)
		for i := 0; i < len(evs); i += 1000 {
			res, err := c.AddEvents(ctx, append([]recd.Event(nil), evs[i:min(i+1000, len(evs))]...))
			if err != nil {
				return fmt.Errorf("reset %s: %w", u, err)
			}
			last = max(last, res.LastSeq)
		}
	}
	if d.Settle != nil {
		return d.Settle(ctx, last)
	}
	return nil
}
