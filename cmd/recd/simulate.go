package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/recd/recd/dataset"
	"github.com/recd/recd/examples"
	"github.com/recd/recd/sim"
)

// simFlags are the flags of `recd simulate`.
type simFlags struct {
	servers, key, experiment, variants, search, dataDir, data, weights string
	seed                                                               int64
	users, visits, n, workers, runs, items                             int
	level, power, activity, rotation, swaps, decay                     float64
	reset, noProgress, crossClicks                                     bool
}

func (f *simFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.servers, "server", "", "URL of a running recd trained on the training part (see `recd simulate prepare`); two or more, comma-separated, are replicas the requests alternate between. Default: start one on loopback")
	fs.StringVar(&f.key, "key", "", "admin API key of --server")
	fs.StringVar(&f.experiment, "experiment", "ab", "ab, aa (the treatment serves the control's variant), interleaving, or debias (rankers trained on logged clicks with and without position debiasing, against the blend; see docs/ranker.md)")
	fs.StringVar(&f.variants, "variants", "popular,hybrid", "control,treatment: popular, hybrid, or NAME=JSON overrides")
	fs.StringVar(&f.search, "search", "", "ascending user counts (e.g. 25,50,100,200): find the smallest at which --power of --runs seeded runs reach p < --level")
	fs.StringVar(&f.data, "data", "", "data set to simulate on: a MovieLens directory, or items.jsonl and events.jsonl as `recd generate` writes them (ratings: held-out items rated 4 or more are the ones a user clicks). Default: the bundled MovieLens latest-small")
	fs.StringVar(&f.dataDir, "data-dir", "", "data dir of the started server (default: a temporary one)")
	fs.Int64Var(&f.seed, "seed", 1, "seed of the split, the users drawn and the clicks (run i uses seed+i)")
	fs.IntVar(&f.users, "users", 300, "simulated users per run")
	fs.IntVar(&f.visits, "visits", 3, "lists each user asks for")
	fs.IntVar(&f.n, "n", 10, "items per list")
	fs.IntVar(&f.workers, "workers", 4, "users simulated at once")
	fs.IntVar(&f.runs, "runs", 1, "seeded runs (each its own experiment id)")
	fs.IntVar(&f.items, "items", 0, "keep only the N most-rated movies (0: all); faster training")
	fs.Float64Var(&f.level, "level", 0, "significance level a run is counted at (default 0.05 for aa, 0.01 otherwise)")
	fs.Float64Var(&f.power, "power", 0.8, "share of runs that must reach --level in --search")
	fs.Float64Var(&f.decay, "position-bias", sim.DefaultClickModel().Decay, "exponent of the examination curve: position p (0 first) is looked at with probability 1/(1+p)^x, in [0,5]")
	fs.Float64Var(&f.activity, "activity", sim.DefaultClickModel().Activity, "users' click propensity: each user's click probabilities are multiplied by a draw of Gamma(k, rate k) with this shape k (mean 1, variance 1/k); 0: every user alike")
	fs.BoolVar(&f.reset, "reset", true, "before each run, delete the drawn users and write their training part again, so earlier runs' clicks do not carry over")
	fs.BoolVar(&f.crossClicks, "cross-clicks", false, "with several --server URLs, send a list's clicks to another replica than the one that served it")
	fs.BoolVar(&f.noProgress, "no-progress", false, "do not draw a progress bar")
	fs.Float64Var(&f.rotation, "rotation", 0.5, "debias: rank.rotation of the logging policy, so later visits show deeper items and clicks land on more positions")
	fs.StringVar(&f.weights, "weights", "", "debias: rank.weights of the server's blend in every phase, SOURCE=W,... (the logging policy, and the blend variant): e.g. popular=1,ease=0.1 logs lists whose order says little about relevance. Default: the configured weights")
	fs.Float64Var(&f.swaps, "swaps", 0.25, "debias: ranker.propensity_swaps of the logging policy, the share of its lists whose top item is swapped to a random position for the propensity estimate (0: the rankers fall back to the logged position curve)")
}

func runSimulate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "prepare" {
		return runSimulatePrepare(ctx, args[1:], stdout, stderr)
	}
	var f simFlags
	fs := newFlagSet("simulate", stderr, "simulate [prepare --out DIR] [--server URL[,URL] --key K] [--experiment ab|aa|interleaving] [--runs N] [--search N,N,...]")
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if f.experiment == "debias" {
		return runSimulateDebias(ctx, &f, stdout, stderr)
	}
	design, err := f.design()
	if err != nil {
		return err
	}
	split, err := f.split()
	if err != nil {
		return err
	}
	progress := progressWriter(stderr, f.noProgress)
	d := &sim.Driver{Split: split, Key: f.key, Reset: f.reset, Opts: sim.DefaultOptions()}
	d.Opts.Users, d.Opts.Visits, d.Opts.ListSize, d.Opts.Workers = f.users, f.visits, f.n, f.workers
	d.Opts.Click.Activity, d.Opts.Click.Decay, d.Opts.CrossClicks = f.activity, f.decay, f.crossClicks
	if err := d.Opts.Validate(); err != nil {
		return err
	}
	if f.servers == "" {
		srv, err := startSimServer(ctx, split, f.dataDir, progress, stderr)
		if err != nil {
			return err
		}
		defer srv.stop()
		d.URLs, d.Flush = []string{srv.URL}, srv.Flush
	} else {
		d.URLs = strings.Split(f.servers, ",")
		if len(d.URLs) > 1 {
			d.Propagation = replicaPropagation
		}
	}
	if f.search != "" {
		return simSearch(ctx, d, design, &f, stdout, progress)
	}
	return simRepeat(ctx, d, design, &f, stdout, progress)
}

// replicaPropagation is how long the simulation waits after creating an experiment before
// its users arrive when several replicas serve it: each rereads the definitions every second.
const replicaPropagation = 1500 * time.Millisecond

// design reads --experiment and --variants.
func (f *simFlags) design() (sim.Design, error) {
	names := strings.Split(f.variants, ",")
	if len(names) != 2 {
		return sim.Design{}, errors.New("--variants takes two variants, control,treatment")
	}
	c, err := sim.ParseVariant(names[0], 50)
	if err != nil {
		return sim.Design{}, err
	}
	t, err := sim.ParseVariant(names[1], 50)
	if err != nil {
		return sim.Design{}, err
	}
	if f.experiment == "aa" {
		c.Name, t.Name = "a1", "a2"
	}
	d := sim.Design{Kind: f.experiment, Control: c, Treatment: t}
	if f.level == 0 {
		f.level = 0.01
		if f.experiment == "aa" {
			f.level = 0.05
		}
	}
	if !(f.level > 0 && f.level < 1) || !(f.power > 0 && f.power <= 1) || f.runs < 1 || f.runs > 10000 {
		return d, errors.New("--level and --power lie in (0,1], --runs in [1,10000]")
	}
	return d, d.Validate()
}

// split reads --data (the bundled MovieLens data by default) and holds out each user's
// share with --seed.
func (f *simFlags) split() (*sim.Split, error) {
	var data *dataset.Data
	var err error
	if f.data == "" {
		if data, err = dataset.ReadMovieLensFS(examples.MovieLensSmall()); err != nil {
			return nil, fmt.Errorf("read bundled data: %w", err)
		}
	} else if data, err = readDataDir(f.data); err != nil {
		return nil, fmt.Errorf("--data: %w", err)
	}
	o := sim.DefaultSplitOptions()
	o.Seed, o.MaxItems = f.seed, f.items
	s, err := sim.NewSplit(data, o)
	if err == nil && len(s.Users) == 0 {
		err = fmt.Errorf("no user of %d events has %d held-out items rated %g or more to click: simulate needs ratings (recd generate writes them unless the preset is implicit)",
			len(data.Events), o.MinHeldOut, o.Liked)
	}
	return s, err
}

// counts parses --search.
func (f *simFlags) counts() ([]int, error) {
	var out []int
	for _, s := range strings.Split(f.search, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 2 || (len(out) > 0 && n <= out[len(out)-1]) {
			return nil, fmt.Errorf("--search takes ascending user counts of at least 2, not %q", f.search)
		}
		out = append(out, n)
	}
	return out, nil
}
