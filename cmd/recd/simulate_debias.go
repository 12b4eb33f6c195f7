package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"text/tabwriter"

	"github.com/recd/recd/index/hnsw"
	"github.com/recd/recd/service"
	"github.com/recd/recd/sim"
)

// runSimulateDebias runs `recd simulate --experiment debias` against a server it starts: the
// logging policy (the trained model with rank.rotation --rotation, every list's feature rows
// logged and --swaps of them swapped for the propensity estimate) serves --users users, two
// rankers are trained on their logged clicks with and without position debiasing, and an
// experiment pins each beside the blend for --users fresh users (see sim.Debias). The
// server's blend has the session source off in every phase (rank.weights session 0): a list
// with it is not of the ranker's kind and would be blended in every variant, so the
// comparison is of the scorers on the lists they score. --server is refused: the mode trains
// versions in the server's store.
func runSimulateDebias(ctx context.Context, f *simFlags, stdout, stderr io.Writer) error {
	if f.servers != "" {
		return errors.New("--experiment debias starts its own server (it trains model versions in its store); drop --server")
	}
	if !(f.rotation >= 0 && f.rotation <= 1) {
		return errors.New("--rotation lies in [0,1]")
	}
	if !(f.swaps >= 0 && f.swaps <= 1) {
		return errors.New("--swaps lies in [0,1]")
	}
	weights, err := parseSourceWeights(f.weights)
	if err != nil {
		return err
	}
	split, err := f.split()
	if err != nil {
		return err
	}
	progress := progressWriter(stderr, f.noProgress)
	srv, err := startSimServer(ctx, split, f.dataDir, progress, stderr, func(c *Config) {
		c.Ranker.LogFeatures, c.Rank.Rotation, c.Feedback.Impressions = 1, f.rotation, true
		c.Ranker.PropensitySwaps = f.swaps
		c.Rank.Weights = maps.Clone(c.Rank.Weights)
		if c.Rank.Weights == nil {
			c.Rank.Weights = map[string]float64{}
		}
		maps.Copy(c.Rank.Weights, weights)
		c.Rank.Weights["session"] = 0
	})
	if err != nil {
		return err
	}
	defer srv.stop()
	trained := map[bool]service.ModelInfo{}
	d := &sim.Debias{Split: split, URL: srv.URL, Flush: srv.Flush, Opts: sim.DefaultOptions(),
		Retrain: func(ctx context.Context, debias bool) (string, error) {
			info, err := retrainOnline(ctx, srv.cfg, debias, stderr)
			trained[debias] = info
			return info.Version, err
		}}
	d.Opts.Seed, d.Opts.Users, d.Opts.Visits, d.Opts.ListSize, d.Opts.Workers = f.seed, f.users, f.visits, f.n, f.workers
	d.Opts.Click.Activity, d.Opts.Click.Decay = f.activity, f.decay
	if err := d.Opts.Validate(); err != nil {
		return err
	}
	tick, finish := simBar(progress, 2*f.users)
	out, err := d.Run(ctx, tick)
	finish()
	if err != nil {
		return err
	}
	printDebias(stdout, out, trained, d.Opts.Click, d.Opts.ListSize)
	return nil
}

// retrainOnline trains a version over the server's store with the ranker learning from the
// logged clicks (ranker.labels online), debiased or not, in a service of its own with an
// in-memory index, so the server's index and serving model stay as they are.
func retrainOnline(ctx context.Context, cfg Config, debias bool, logw io.Writer) (service.ModelInfo, error) {
	cfg.Ranker.Labels, cfg.Ranker.Debias, cfg.Ranker.LogFeatures = service.LabelsOnline, debias, 0
	idx, err := hnsw.New(cfg.hnswOptions())
	if err != nil {
		return service.ModelInfo{}, err
	}
	svc, st, err := openServiceWith(ctx, &cfg, newLogger(&cfg, logw), func(o *service.Options) {
		o.Index, o.StateDir = idx, ""
		o.Ranker.Ungated = true // the experiment measures each ranker online, whatever validation says
	})
	if err != nil {
		return service.ModelInfo{}, err
	}
	defer st.Close()
	defer svc.Close()
	info, err := svc.TrainForced(ctx)
	if err != nil {
		return info, fmt.Errorf("train: %w", err)
	}
	return info, nil
}

// printCurve prints the logging phase's click-through by position relative to the first (what
// the server's propensities are estimated from) beside the click model's true examination
// probability: where the first falls faster, relevance decreasing down the logged lists is
// mistaken for position bias and debiasing over-corrects.
func printCurve(w io.Writer, t *sim.Tally, m sim.ClickModel) {
	byPos := map[int]int{}
	for _, c := range t.Clicks {
		byPos[c.Position]++
	}
	if byPos[0] == 0 {
		return
	}
	fmt.Fprint(w, "position:                  ")
	for p := range 10 {
		fmt.Fprintf(w, "%6d", p)
	}
	fmt.Fprint(w, "\nlogged CTR / CTR at 0:     ")
	for p := range 10 {
		fmt.Fprintf(w, "%6.2f", float64(byPos[p])/float64(byPos[0]))
	}
	fmt.Fprint(w, "\ntrue examination / at 0:   ")
	for p := range 10 {
		fmt.Fprintf(w, "%6.2f", m.Examine(p)/m.Examine(0))
	}
	fmt.Fprintln(w)
}

// printPropensities prints what weighted a version's online labels at the first n
// positions (the logged curve runs to online.MaxK).
func printPropensities(w io.Writer, p *service.PropensityInfo, n int) {
	fmt.Fprintf(w, "  propensities (%s, %d swapped lists): ", p.Source, p.SwappedLists)
	for _, v := range p.Propensities[:min(n, len(p.Propensities))] {
		fmt.Fprintf(w, "%6.2f", v)
	}
	fmt.Fprintln(w)
}

// printDebias prints the logging phase, the two versions and the experiment's report.
func printDebias(w io.Writer, o *sim.DebiasOutcome, trained map[bool]service.ModelInfo, click sim.ClickModel, listSize int) {
	clicks, lists := 0, 0
	for _, v := range o.Logged.Variants {
		clicks, lists = clicks+v.Clicks, lists+v.Lists
	}
	fmt.Fprintf(w, "logging phase: %d users, %d lists, %d clicks (the session source off in the blend in every phase)\n",
		len(o.Logged.Assignment), lists, clicks)
	printCurve(w, o.Logged, click)
	for _, debias := range []bool{true, false} {
		info := trained[debias]
		name := map[bool]string{true: sim.VariantDebiased, false: sim.VariantRaw}[debias]
		reason := "no ranker info"
		if info.Ranker != nil {
			reason = fmt.Sprintf("%d training lists; %s", info.Ranker.TrainGroups, info.Ranker.Reason)
		}
		fmt.Fprintf(w, "%s version %s: %s\n", name, info.Version, reason)
		if info.Ranker != nil && info.Ranker.Propensity != nil {
			printPropensities(w, info.Ranker.Propensity, listSize)
		}
	}
	fmt.Fprintf(w, "\nexperiment %s (control: %s)\n", o.ID, sim.VariantDebiased)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "variant\tusers\timpressions\tclicks\tper-user CTR [95% CI]\tlift vs debiased\tp\tserved by (lists)")
	for _, name := range []string{sim.VariantDebiased, sim.VariantRaw, sim.VariantBlend} {
		v := sim.ReportVariant(o.Report, name)
		if v == nil {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\t-\t-\n", name)
			continue
		}
		lift, p := "-", "-"
		if v.Lift != nil {
			lift = fmt.Sprintf("%+.1f%% [%+.1f%%, %+.1f%%]", 100*v.Lift.Value, 100*v.Lift.Low, 100*v.Lift.High)
		}
		if v.PValue != nil {
			p = fmt.Sprintf("%.2g", *v.PValue)
		}
		served := ""
		if t := o.Tally.Variants[name]; t != nil {
			served = fmt.Sprint(t.Served)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.4f [%.4f, %.4f]\t%s\t%s\t%s\n", name, v.Users, v.Impressions, v.Clicks,
			v.CTR.Value, v.CTR.Low, v.CTR.High, lift, p, served)
	}
	tw.Flush()
	fmt.Fprintf(w, "sample ratio: %s\n", okWord(o.Report.SRM.OK))
	if !o.Report.Conclusive {
		fmt.Fprintf(w, "report: %s\n", o.Report.Reason)
	}
}

// parseSourceWeights reads --weights, SOURCE=W pairs separated by commas ("" gives none);
// the server's configuration check then bounds each weight (a name that is no source weighs
// nothing, as in rank.weights).
func parseSourceWeights(s string) (map[string]float64, error) {
	out := map[string]float64{}
	if s == "" {
		return out, nil
	}
	// The same k=v,... form as a map in a RECD_* variable (config_env.go's setMap), which
	// accepts an empty key; a source needs a name.
	if err := setMap(reflect.ValueOf(&out).Elem(), s); err != nil {
		return nil, fmt.Errorf("--weights takes SOURCE=W,...: %w", err)
	}
	if _, ok := out[""]; ok {
		return nil, fmt.Errorf("--weights takes SOURCE=W,...: a weight without a source in %q", s)
	}
	return out, nil
}
