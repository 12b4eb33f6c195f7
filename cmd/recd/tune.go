package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/eval"
	"github.com/recd/recd/model"
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
	fs := newFlagSet("tune", stderr, tuneSynopsis)
	opt := eval.DefaultTuneOptions()
	var (
		dataPath   = fs.String("data", "", "data set: a MovieLens directory, an events JSONL file or a CSV file")
		format     = fs.String("format", "", "data format: movielens, events-jsonl or csv (default: from the path)")
		modelName  = fs.String("model", "", "model to tune: "+strings.Join(eval.SpaceNames(), ", ")+", hybrid (the served blend's weights)")
		testFrac   = fs.Float64("test-fraction", 0.2, "share of each user's items held out as the test split")
		out        = fs.String("out", "recd-tuned.yaml", "file the best configuration is written to")
		noProgress = fs.Bool("no-progress", false, "do not draw a progress bar")
	)
	fs.IntVar(&opt.Trials, "trials", opt.Trials, "sampled configurations (the defaults are evaluated besides)")
	fs.Uint64Var(&opt.Seed, "seed", opt.Seed, "seed of the splits and of the sampling")
	fs.StringVar(&opt.Method, "method", opt.Method, "random (every trial in full) or halving (successive halving, eta 3)")
	fs.IntVar(&opt.K, "k", opt.K, "NDCG is cut at this list length")
	fs.Float64Var(&opt.ValidationFraction, "validation-fraction", opt.ValidationFraction, "share of each user's training items held out for validation")
	fs.IntVar(&opt.Workers, "workers", 0, "users evaluated in parallel (0: all cores)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return recd.Invalid("args", fmt.Sprintf("unexpected arguments %q", fs.Args()))
	}
	if *dataPath == "" {
		return recd.Invalid("data", "is required")
	}
	var space *eval.Space
	var err error
	if *modelName != hybridSpaceName {
		if space, err = eval.SearchSpace(*modelName); err != nil {
			return err
		}
	}
	data, err := eval.ReadData(*dataPath, *format)
	if err != nil {
		return err
	}
	if *modelName == hybridSpaceName {
		var cf commonFlags
		cf.config = os.Getenv("RECD_CONFIG")
		cfg, err := cf.load()
		if err != nil {
			return err
		}
		var done func()
		space, done = hybridSpace(cfg, data.Items, opt.K)
		defer done()
	}

	log := slog.New(slog.NewTextHandler(stderr, nil))
	bar := progressbar.NewOptions(1, progressbar.OptionSetWriter(progressWriter(stderr, *noProgress)),
		progressbar.OptionSetDescription("tuning "+space.Model), progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish())
	opt.OnTrial = func(t eval.Trial, done, total int) {
		_ = bar.Clear()
		attrs := []any{"trial", t.ID, "params", space.Format(t.Params), "budget", roundBudget(t.Budget),
			"ndcg", strconv.FormatFloat(t.NDCG, 'f', 4, 64), "elapsed", t.Elapsed.Round(time.Millisecond)}
		if opt.Method == eval.MethodHalving {
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
	start := time.Now()
	h, err := eval.TuneHoldout(ctx, space, data.Events, *testFrac, opt)
	if err != nil {
		return err
	}
	res := h.TuneResult
	header := fmt.Sprintf("data %s, %d %s trials, seed %d, NDCG@%d", *dataPath, opt.Trials, opt.Method, opt.Seed, opt.K)
	if err := writeTunedConfig(*out, space, h, header); err != nil {
		return err
	}
	w := func(f string, a ...any) { fmt.Fprintf(stdout, f, a...) }
	w("model %s: %d trials in %s\n", space.Model, len(res.Trials), time.Since(start).Round(time.Millisecond))
	w("best (trial %d): %s\n", res.Best.ID, space.Format(res.Best.Params))
	w("defaults:        %s\n", space.Format(res.Default.Params))
	w("validation NDCG@%d: best %.4f, defaults %.4f (paired t-test p = %.3g over %d users)\n", opt.K, res.Best.NDCG, res.Default.NDCG,
		res.PValue, res.Default.Users)
	w("test NDCG@%d:       best %.4f, defaults %.4f\n", opt.K, h.BestTest, h.DefaultTest)
	w("wrote %s (recd serve --config %s)\n", *out, *out)
	return nil
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
const hybridSpaceName = "hybrid"

// hybridSpace searches the served pipeline's blend weights relative to EASE's (the blend
// divides by the total weight, so only the ratios matter; EASE and the session keep the
// configured weights). Each trial builds a whole service in a temporary directory (see
// hybrid); done removes the last one.
func hybridSpace(cfg *Config, items []recd.Item, k int) (*eval.Space, func()) {
	o := cfg.serviceOptions()
	def := eval.Params{}
	params := []eval.Param{{Name: "itemknn", Min: 0, Max: 1.5}, {Name: "cf", Min: 0, Max: 2},
		{Name: "content", Min: 0, Max: 0.5}, {Name: "popular", Min: 0, Max: 0.2}}
	// The other weights (EASE's, the session's, a source the configuration adds) are kept as
	// configured: one choice each, so they are written out with the rest.
	for _, name := range slices.Sorted(maps.Keys(o.Rank.Weights)) {
		if !slices.ContainsFunc(params, func(p eval.Param) bool { return p.Name == name }) {
			params = append(params, eval.Param{Name: name, Choices: []float64{o.Rank.Weights[name]}})
		}
	}
	for _, p := range params {
		w, ok := o.Rank.Weights[p.Name]
		if !ok {
			w = 1 // a source the weights do not name has the blend's default weight
		}
		def[p.Name] = w
	}
	var last *hybrid
	done := func() {
		if last != nil {
			last.close()
			last = nil
		}
	}
	return &eval.Space{Model: hybridSpaceName, Section: "rank.weights", Params: params, Default: def,
		New: func(p eval.Params) (model.Recommender, error) {
			done() // trials run one at a time: the previous trial's service is finished
			opts := o
			opts.Rank.Weights = maps.Clone(o.Rank.Weights)
			if opts.Rank.Weights == nil {
				opts.Rank.Weights = map[string]float64{}
			}
			for name, v := range p {
				opts.Rank.Weights[name] = v
			}
			last = &hybrid{log: io.Discard, opts: opts, n: k, items: items}
			return last, nil
		}}, done
}

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
