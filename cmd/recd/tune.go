package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/dataset"
	"github.com/recd/recd/eval"
	"github.com/recd/recd/eval/served"
	"github.com/schollz/progressbar/v3"
	"go.yaml.in/yaml/v3"
)

const tuneSynopsis = `tune --data PATH [--format movielens|events-jsonl|csv] --model als|bpr|ease|itemknn|ncf|hybrid
            [--trials 30] [--seed 42] [--method random|halving] [--k 10] [--out recd-tuned.yaml]

Searches the model's hyper-parameters on a validation split cut from the training part of a
per-user random split (the test part is only used to score the best and default configurations
at the end) and writes the best configuration as a recd config file for serve --config.
--model hybrid searches the served pipeline's blend weights (rank.weights) with the
configuration's other settings (RECD_CONFIG, RECD_* variables), on the data's catalog.`

func runTune(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseTuneFlags(args, stderr)
	if err != nil {
		return err
	}
	space, data, err := f.space()
	if err != nil {
		return err
	}
	opt := f.opt
	opt.OnTrial = trialLogger(stderr, space, opt.Method, f.noProgress)
	start := time.Now()
	h, err := eval.TuneHoldout(ctx, space, data.Events, f.testFrac, opt)
	if err != nil {
		return err
	}
	header := fmt.Sprintf("data %s, %d %s trials, seed %d, NDCG@%d", f.dataPath, opt.Trials, opt.Method, opt.Seed, opt.K)
	if err := writeTunedConfig(f.out, space, h, header); err != nil {
		return err
	}
	printTuned(stdout, space, h, opt.K, f.out, time.Since(start))
	return nil
}

// tuneFlags are the parsed flags of `recd tune`.
type tuneFlags struct {
	opt                              eval.TuneOptions
	dataPath, format, modelName, out string
	testFrac                         float64
	noProgress                       bool
}

func parseTuneFlags(args []string, stderr io.Writer) (*tuneFlags, error) {
	fs := newFlagSet("tune", stderr, tuneSynopsis)
	f := &tuneFlags{opt: eval.DefaultTuneOptions()}
	fs.StringVar(&f.dataPath, "data", "", "data set: a MovieLens directory, an events JSONL file or a CSV file")
	fs.StringVar(&f.format, "format", "", "data format: movielens, events-jsonl or csv (default: from the path)")
	fs.StringVar(&f.modelName, "model", "", "model to tune: "+strings.Join(eval.SpaceNames(), ", ")+", hybrid (the served blend's weights)")
	fs.Float64Var(&f.testFrac, "test-fraction", 0.2, "share of each user's items held out as the test split")
	fs.StringVar(&f.out, "out", "recd-tuned.yaml", "file the best configuration is written to")
	fs.BoolVar(&f.noProgress, "no-progress", false, "do not draw a progress bar")
	fs.IntVar(&f.opt.Trials, "trials", f.opt.Trials, "sampled configurations (the defaults are evaluated besides)")
	fs.Uint64Var(&f.opt.Seed, "seed", f.opt.Seed, "seed of the splits and of the sampling")
	fs.StringVar(&f.opt.Method, "method", f.opt.Method, "random (every trial in full) or halving (successive halving, eta 3)")
	fs.IntVar(&f.opt.K, "k", f.opt.K, "NDCG is cut at this list length")
	fs.Float64Var(&f.opt.ValidationFraction, "validation-fraction", f.opt.ValidationFraction, "share of each user's training items held out for validation")
	fs.IntVar(&f.opt.Workers, "workers", 0, "users evaluated in parallel (0: all cores)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, recd.Invalid("args", fmt.Sprintf("unexpected arguments %q", fs.Args()))
	}
	if f.dataPath == "" {
		return nil, recd.Invalid("data", "is required")
	}
	return f, nil
}

// space returns the search space of the model to tune and the data it is tuned on. The
// served pipeline's space ("hybrid") is built on the configured service options and the
// data's catalog.
func (f *tuneFlags) space() (*eval.Space, *dataset.Data, error) {
	var space *eval.Space
	var err error
	if f.modelName != hybridSpaceName {
		if space, err = eval.SearchSpace(f.modelName); err != nil {
			return nil, nil, err
		}
	}
	data, err := eval.ReadData(f.dataPath, f.format)
	if err != nil {
		return nil, nil, err
	}
	if f.modelName == hybridSpaceName {
		opts, err := servedOptions()
		if err != nil {
			return nil, nil, err
		}
		space = served.Space(opts, data.Items, evalBackends)
	}
	return space, data, nil
}

// trialLogger logs every trial and draws a progress bar over the planned trials.
func trialLogger(stderr io.Writer, space *eval.Space, method string, noProgress bool) func(eval.Trial, int, int) {
	log := slog.New(slog.NewTextHandler(stderr, nil))
	bar := progressbar.NewOptions(1, progressbar.OptionSetWriter(progressWriter(stderr, noProgress)),
		progressbar.OptionSetDescription("tuning "+space.Model), progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish())
	return func(t eval.Trial, done, total int) {
		_ = bar.Clear()
		attrs := []any{"trial", t.ID, "params", space.Format(t.Params), "budget", roundBudget(t.Budget),
			"ndcg", strconv.FormatFloat(t.NDCG, 'f', 4, 64), "elapsed", t.Elapsed.Round(time.Millisecond)}
		if method == eval.MethodHalving {
			attrs = append(attrs, "rung", t.Rung)
		}
		if t.Err != "" {
			log.Warn("trial failed", append(attrs, "err", t.Err)...)
		} else {
			log.Info("trial", attrs...)
		}
		bar.ChangeMax(total)
		_ = bar.Set(done)
		if done == total {
			_ = bar.Finish()
			log.Info("refitting the best and default configurations on the whole training split")
		}
	}
}

// printTuned prints the search's outcome.
func printTuned(stdout io.Writer, space *eval.Space, h *eval.Holdout, k int, out string, took time.Duration) {
	res := h.TuneResult
	w := func(f string, a ...any) { fmt.Fprintf(stdout, f, a...) }
	w("model %s: %d trials in %s\n", space.Model, len(res.Trials), took.Round(time.Millisecond))
	w("best (trial %d): %s\n", res.Best.ID, space.Format(res.Best.Params))
	w("defaults:        %s\n", space.Format(res.Default.Params))
	w("validation NDCG@%d: best %.4f, defaults %.4f (paired t-test p = %.3g over %d users)\n", k, res.Best.NDCG, res.Default.NDCG,
		res.PValue, res.Default.Users)
	w("test NDCG@%d:       best %.4f, defaults %.4f\n", k, h.BestTest, h.DefaultTest)
	w("wrote %s (recd serve --config %s)\n", out, out)
}

func roundBudget(b float64) string { return strconv.FormatFloat(b, 'g', 3, 64) }

// configKnows reports whether recd's Config has a train.<section> key.
func configKnows(section string) bool {
	t := reflect.TypeOf(Config{}.Train)
	for i := 0; i < t.NumField(); i++ {
		if strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0] == section {
			return true
		}
	}
	return false
}

// hybridSpaceName is the tune model name of the served pipeline's blend weights.
const hybridSpaceName = served.Name

// tunedConfigYAML renders the best configuration as a recd config file holding only
// train.<section> (rank.weights for the hybrid). A section recd's Config does not have
// (train.bpr, train.ncf: models serve does not train) is written commented out, since the
// config loader rejects unknown keys.
func tunedConfigYAML(space *eval.Space, h *eval.Holdout, about string) ([]byte, error) {
	sec := &yaml.Node{Kind: yaml.MappingNode}
	for _, p := range space.Params {
		v := h.Best.Params[p.Name]
		val := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: strconv.FormatFloat(v, 'g', -1, 64)}
		if p.Int {
			val.Tag, val.Value = "!!int", strconv.FormatInt(int64(v), 10)
		} else if !strings.ContainsAny(val.Value, ".eEn") {
			val.Value += ".0" // keep the float tag visible, e.g. alpha: 2.0
		}
		sec.Content = append(sec.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: p.Name}, val)
	}
	doc := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Value: "train"},
		{Kind: yaml.MappingNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: space.Section}, sec}},
	}}
	if space.Model == hybridSpaceName {
		doc = &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
			{Kind: yaml.ScalarNode, Value: "rank"},
			{Kind: yaml.MappingNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: "weights"}, sec}},
		}}
	}
	var body bytes.Buffer
	enc := yaml.NewEncoder(&body)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Written by recd tune: the best %s configuration (trial %d) on\n# %s.\n", space.Model, h.Best.ID, about)
	if h.Best.ID == 0 {
		b.WriteString("# These are the defaults: no sampled configuration beat them on validation.\n")
	}
	fmt.Fprintf(&b, "# Validation NDCG %.4f (defaults %.4f, paired t-test p = %.3g); test NDCG after\n", h.Best.NDCG, h.Default.NDCG, h.PValue)
	fmt.Fprintf(&b, "# refitting on the whole training split %.4f (defaults %.4f).\n", h.BestTest, h.DefaultTest)
	b.WriteString("# Use it with recd serve --config FILE, or merge it into your config file;\n")
	b.WriteString("# serve reads only the keys it knows.\n")
	if space.Model != hybridSpaceName && !configKnows(space.Section) {
		fmt.Fprintf(&b, "# recd's configuration has no train.%s section yet, so it is commented out below (the\n", space.Section)
		b.WriteString("# config loader rejects unknown keys); uncomment it once serve trains this model.\n")
		for _, line := range strings.Split(strings.TrimRight(body.String(), "\n"), "\n") {
			b.WriteString("# " + line + "\n")
		}
		return b.Bytes(), nil
	}
	b.Write(body.Bytes())
	return b.Bytes(), nil
}

// writeTunedConfig writes the configuration through a temporary file and a rename, then
// checks that recd's config loader reads it.
func writeTunedConfig(path string, space *eval.Space, h *eval.Holdout, about string) error {
	b, err := tunedConfigYAML(space, h, about)
	if err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".recd-tuned-*")
	if err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	_, werr := f.Write(b)
	cerr := f.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(f.Name(), 0o644)
	}
	if werr == nil {
		werr = os.Rename(f.Name(), path)
	}
	if werr != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write config: %w", werr)
	}
	cfg := defaultConfig()
	if err := cfg.loadFile(path); err != nil {
		return fmt.Errorf("written config does not load: %w", err)
	}
	if err := cfg.validate(); err != nil {
		return fmt.Errorf("written config does not validate: %w", err)
	}
	return nil
}
