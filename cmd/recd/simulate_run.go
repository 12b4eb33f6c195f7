package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"text/tabwriter"
	"time"

	"github.com/recd/recd/sim"
	"github.com/schollz/progressbar/v3"
)

// simBar counts simulated users on w.
func simBar(w io.Writer, total int) (func(), func()) {
	bar := progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription("simulating"),
		progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("users"),
		progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }))
	return func() { _ = bar.Add(1) }, func() { _ = bar.Finish() }
}

// simRepeat runs --runs seeded experiments and prints each, then how many were significant.
func simRepeat(ctx context.Context, d *sim.Driver, design sim.Design, f *simFlags, stdout, progress io.Writer) error {
	tick, finish := simBar(progress, f.runs*min(f.users, len(d.Split.Users)))
	s, err := d.Repeat(ctx, design, f.users, f.runs, f.seed, f.level, tick)
	finish()
	if err != nil {
		return err
	}
	if f.runs == 1 {
		printOutcome(stdout, design, s.Runs[0])
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "experiment\tusers\tlift (simulator)\tp (simulator)\tp (report)\tsample ratio")
	for _, o := range s.Runs {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", o.ID, o.Users, pct(o.Own.Lift), num(o.Own.P), reportP(o), okWord(o.SRMOK))
	}
	tw.Flush()
	fmt.Fprintf(stdout, "\n%d of %d runs significant at %g (%s); %d failed the sample-ratio check\n",
		s.Significant, len(s.Runs), f.level, judgedBy(s.Runs[0]), s.SRMFailed)
	if design.Kind == "aa" {
		fmt.Fprintf(stdout, "expected by chance: %.1f; more than %d would happen with probability under 1%%\n",
			f.level*float64(len(s.Runs)), sim.BinomialBound(len(s.Runs), f.level, 0.01))
	}
	return nil
}

// simSearch finds the users the design needs and prints every series it ran.
func simSearch(ctx context.Context, d *sim.Driver, design sim.Design, f *simFlags, stdout, progress io.Writer) error {
	counts, err := f.counts()
	if err != nil {
		return err
	}
	total := 0
	for _, n := range counts {
		total += f.runs * min(n, len(d.Split.Users))
	}
	tick, finish := simBar(progress, total)
	all, need, err := d.Need(ctx, design, counts, f.runs, f.seed, f.level, f.power, tick)
	finish()
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "users\truns\tp < %g\tpower\tsign test over lists\n", f.level)
	for _, s := range all {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%.2f\t%s\n", s.Users, len(s.Runs), s.Significant, s.Power(), listPower(design, s, f.level))
	}
	tw.Flush()
	if need == 0 {
		fmt.Fprintf(stdout, "\n%s: no count reached power %.2f (judged by %s)\n", design.Kind, f.power, judgedBy(all[0].Runs[0]))
		return nil
	}
	fmt.Fprintf(stdout, "\n%s needs %d users: %.0f%% of %d seeded runs reach p < %g (judged by %s)\n",
		design.Kind, need, 100*all[len(all)-1].Power(), f.runs, f.level, judgedBy(all[0].Runs[0]))
	return nil
}

// printOutcome prints one experiment: the simulator's tally beside the server's report.
func printOutcome(w io.Writer, design sim.Design, o *sim.Outcome) {
	fmt.Fprintf(w, "experiment %s (%s), %d users\n\n", o.ID, design.Kind, o.Users)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "variant\tusers\tlists\titems shown\tclicks\tCTR\t| report: users\timpressions\tclicks\tCTR [95%]\tlift [95%]\tp")
	names := []string{design.Control.Name, design.Treatment.Name}
	for _, n := range o.Tally.Names() { // "interleaved", or "" for lists served outside it
		if n != design.Control.Name && n != design.Treatment.Name {
			names = append(names, n)
		}
	}
	for _, name := range names {
		v := o.Tally.Variants[name]
		if v == nil {
			v = &sim.VariantTally{Name: name}
		}
		label := name
		if label == "" {
			label = "(none)"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s", label, v.Users, v.Lists, v.Impressions, v.Clicks, share(ratioOf(v.Clicks, v.Impressions)))
		var rv *sim.VariantReport
		if o.Report != nil {
			rv = sim.ReportVariant(o.Report, name)
		}
		if rv == nil {
			fmt.Fprintln(tw, "\t| -\t-\t-\t-\t-\t-")
			continue
		}
		lift, p := "-", "-"
		if rv.Lift != nil {
			lift = fmt.Sprintf("%s [%s, %s]", pct(rv.Lift.Value), pct(rv.Lift.Low), pct(rv.Lift.High))
		}
		if rv.PValue != nil {
			p = num(*rv.PValue)
		}
		fmt.Fprintf(tw, "\t| %d\t%d\t%d\t%s [%s, %s]\t%s\t%s\n", rv.Users, rv.Impressions, rv.Clicks,
			share(rv.CTR.Value), share(rv.CTR.Low), share(rv.CTR.High), lift, p)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nsimulator: lift %s, p %s (per-user CTR, delta method)\n", pct(o.Own.Lift), num(o.Own.P))
	if design.Kind == "interleaving" {
		t := o.Tally.Interleaved
		fmt.Fprintf(w, "simulator interleaving: %s won %d lists, lost %d, tied %d; its share %.3f (sign test over lists p %s); "+
			"of %d users %d clicked more of its items, %d fewer, p %s (t-test over users)\n",
			design.Control.Name, t.Wins, t.Losses, t.Ties, o.OwnShare, num(o.Tally.ListSignP()),
			len(t.PerUser), t.UserWins, t.UserLosses, num(o.OwnP))
	}
	if r := o.Report; r != nil {
		fmt.Fprintf(w, "report: primary metric %s; sample ratio chi-square %.3f, p %s (%s); conclusive %v %s\n",
			r.PrimaryMetric, r.SRM.ChiSquare, num(r.SRM.PValue), okWord(r.SRM.OK), r.Conclusive, r.Reason)
		if il := r.Interleaving; il != nil {
			fmt.Fprintf(w, "report interleaving: %s won %d lists, lost %d, tied %d; its share %.3f; of %d users %d clicked more "+
				"of its items, %d fewer, mean difference %.3f [%.3f, %.3f], p %s\n",
				design.Control.Name, il.Wins, il.Losses, il.Ties, il.PreferenceShare, il.Users, il.UserWins, il.UserLosses,
				il.Difference.Value, il.Difference.Low, il.Difference.High, num(il.PValue))
		}
	} else {
		fmt.Fprintln(w, "report: none (the server has no experiment routes; every user saw the same list)")
	}
}

func ratioOf(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

func pct(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return fmt.Sprintf("%+.1f%%", 100*v)
}

// share prints a rate as a percentage, pct a change with its sign.
func share(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return fmt.Sprintf("%.2f%%", 100*v)
}

func num(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return fmt.Sprintf("%.3g", v)
}

func reportP(o *sim.Outcome) string {
	if o.Report == nil {
		return "-"
	}
	return num(o.P)
}

func okWord(ok bool) string {
	if ok {
		return "ok"
	}
	return "MISMATCH"
}

func judgedBy(o *sim.Outcome) string {
	if o.Report != nil {
		return "the server's report"
	}
	return "the simulator's own tally"
}

// listPower is, under interleaving, the share of s's runs in which a sign test over lists (the
// simulator's, each list counted as independent) reaches level: beside the report's test over
// users, for comparison. Empty for other designs.
func listPower(design sim.Design, s *sim.Series, level float64) string {
	if design.Kind != "interleaving" {
		return ""
	}
	n := 0
	for _, o := range s.Runs {
		if o.Tally.ListSignP() < level {
			n++
		}
	}
	return fmt.Sprintf("%.2f", float64(n)/float64(len(s.Runs)))
}
