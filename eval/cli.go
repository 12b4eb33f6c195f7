package eval

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/recd/recd"
	"github.com/recd/recd/dataset"
	"github.com/recd/recd/model"
)

// RunCLI implements `recd eval`: it loads data (or a given train/test split), splits it,
// fits and evaluates every requested model from the registry on the same split, and prints
// a comparison (markdown, JSON or HTML) with a paired t-test p-value against the best model.
// args excludes the subcommand name. models maps a model name to a constructor of an
// unfitted model. Progress lines go to stderr.
//
//	recd eval --data PATH [--format movielens|events-jsonl|csv] [--split random|temporal|leave-last-out]
//	          [--test-fraction 0.2] [--seed 42] [--k 10] [--models a,b,c] [--output markdown|json|html] [--report FILE]
//	recd eval --train FILE --test FILE [...]
func RunCLI(ctx context.Context, args []string, stdout, stderr io.Writer, models map[string]func() model.Recommender) error {
	fs := flag.NewFlagSet("recd eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: recd eval --data PATH [flags]\n       recd eval --train FILE --test FILE [flags]\n\nFlags:\n")
		fs.PrintDefaults()
		fmt.Fprint(stderr, "\nExample:\n  recd eval --data examples/ml-latest-small --models als,ease,hybrid --k 10\n")
	}
	var (
		dataPath  = fs.String("data", "", "data set: a MovieLens directory, an events JSONL file or a CSV file")
		format    = fs.String("format", "", "data format: movielens, events-jsonl or csv (default: from the path)")
		splitName = fs.String("split", "random", "split: random (per user), temporal (global time cut) or leave-last-out")
		fraction  = fs.Float64("test-fraction", 0.2, "share of each user's items (random) or of all events (temporal) held out")
		seed      = fs.Uint64("seed", 42, "seed of the random split")
		k         = fs.Int("k", 10, "list length the metrics are cut at")
		names     = fs.String("models", "", "comma-separated models to compare (default: all registered)")
		output    = fs.String("output", "markdown", "output format: markdown, json or html")
		report    = fs.String("report", "", "also write the report in the --output format to this file (markdown goes to stdout too)")
		trainPath = fs.String("train", "", "training pairs: user<TAB>item lines, or CSV with a user,item header")
		testPath  = fs.String("test", "", "test pairs, in the format of --train")
		binary    = fs.Bool("binary", true, "treat every event as one positive interaction of weight 1")
		workers   = fs.Int("workers", 0, "users evaluated in parallel (0: all cores)")
		tradeoff  = fs.String("tradeoff", "", "comma-separated MMR diversity values in [0,1] to trace the best model's accuracy-diversity\n"+
			"trade-off (needs item categories; default for html: 0,0.2,0.4,0.6,0.8)")
		diversifierName = fs.String("diversifier", DiversifierMMR, "re-ranker of the --tradeoff: mmr (the served one), mmr-mean (mean instead of max\n"+
			"similarity) or dpp (greedy DPP MAP)")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return recd.Invalid("args", fmt.Sprintf("unexpected arguments %q", fs.Args()))
	}
	if *output != "markdown" && *output != "json" && *output != "html" {
		return recd.Invalid("output", fmt.Sprintf("unknown output %q (markdown, json, html)", *output))
	}
	if *k <= 0 {
		return recd.Invalid("k", "must be positive")
	}
	if _, err := diversifier(*diversifierName); err != nil {
		return err
	}
	selected, err := selectModels(*names, models)
	if err != nil {
		return err
	}

	var split *Split
	var items []recd.Item
	var cats map[string][]string
	var protocol string
	switch {
	case *trainPath != "" || *testPath != "":
		if *trainPath == "" || *testPath == "" || *dataPath != "" {
			return recd.Invalid("train", "--train and --test go together, without --data")
		}
		if split, err = ReadSplitFiles(*trainPath, *testPath); err != nil {
			return err
		}
		protocol = fmt.Sprintf("train %s, test %s, k = %d", *trainPath, *testPath, *k)
	case *dataPath != "":
		data, err := ReadData(*dataPath, *format)
		if err != nil {
			return err
		}
		if split, err = splitBy(data.Events, *splitName, *fraction, *seed); err != nil {
			return err
		}
		items = data.Items
		cats = map[string][]string{}
		for _, it := range data.Items {
			if len(it.Categories) > 0 {
				cats[it.ID] = it.Categories
			}
		}
		if len(cats) == 0 {
			cats = nil
		}
		protocol = fmt.Sprintf("%s: %d events, %s split (test fraction %g, seed %d), k = %d",
			*dataPath, len(data.Events), *splitName, *fraction, *seed, *k)
	default:
		return recd.Invalid("data", "give --data PATH or --train FILE --test FILE")
	}
	train := BuildDataset(split.Train, model.DefaultWeights(), *binary)
	fmt.Fprintf(stderr, "train: %d users, %d items, %d interactions; test: %d users, %d pairs\n",
		train.NumUsers(), train.NumItems(), train.NNZ(), len(split.Test), split.NumTest())
	opt := DefaultOptions()
	opt.K, opt.Workers, opt.Categories = *k, *workers, cats
	opt.TestRatings = split.TestRatings

	divs, err := parseTradeoff(*tradeoff, *output == "html" && cats != nil)
	if err != nil {
		return err
	}
	rep := &Report{Title: "recd model comparison", Protocol: protocol}
	fitted := map[string]model.Recommender{}
	for _, name := range selected {
		rec := models[name]()
		if ia, ok := rec.(ItemAware); ok && items != nil {
			ia.SetItems(items)
		}
		res, err := Evaluate(ctx, rec, train, split.Test, opt)
		if err != nil {
			return fmt.Errorf("model %s: %w", name, err)
		}
		res.Model = name
		fmt.Fprintf(stderr, "%s: fit %.2fs, eval %.2fs, NDCG@%d %.4f, Recall@%d %.4f, coverage %.4f\n", name,
			res.TrainTime.Seconds(), res.EvalTime.Seconds(), *k, res.Metrics[MetricNDCG], *k, res.Metrics[MetricRecall], res.Metrics[MetricCoverage])
		rep.Results = append(rep.Results, res)
		fitted[name] = rec
	}
	if len(divs) > 0 && cats != nil {
		best := rep.Rows()[0].Result.Model
		for _, d := range divs {
			o := opt
			o.Diversity, o.Diversifier = d, *diversifierName
			res, err := EvaluateFitted(ctx, fitted[best], train, split.Test, o)
			if err != nil {
				return fmt.Errorf("tradeoff %s at %g: %w", best, d, err)
			}
			series := best + " + MMR"
			if *diversifierName != DiversifierMMR {
				series = best + " + " + *diversifierName
			}
			rep.Tradeoff = append(rep.Tradeoff, TradeoffPoint{Series: series, Diversity: d,
				NDCG: res.Metrics[MetricNDCG], ILD: res.Metrics[MetricILD]})
			fmt.Fprintf(stderr, "%s diversity %g: NDCG@%d %.4f, ILD %.4f\n", series, d, *k, res.Metrics[MetricNDCG], res.Metrics[MetricILD])
		}
	}
	write := map[string]func(io.Writer, *Report) error{"markdown": WriteMarkdown, "json": WriteJSON, "html": WriteHTML}[*output]
	if *report != "" {
		if err := writeFileAtomic(*report, func(w io.Writer) error { return write(w, rep) }); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
		if *output != "markdown" {
			return WriteMarkdown(stdout, rep)
		}
	}
	return write(stdout, rep)
}

func parseTradeoff(list string, byDefault bool) ([]float64, error) {
	if strings.TrimSpace(list) == "" {
		if byDefault {
			return []float64{0, 0.2, 0.4, 0.6, 0.8}, nil
		}
		return nil, nil
	}
	var out []float64
	for _, f := range strings.Split(list, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || v < 0 || v > 1 {
			return nil, recd.Invalid("tradeoff", fmt.Sprintf("%q is not a diversity in [0, 1]", f))
		}
		out = append(out, v)
	}
	return out, nil
}

func selectModels(list string, models map[string]func() model.Recommender) ([]string, error) {
	var avail []string
	for name := range models {
		avail = append(avail, name)
	}
	sort.Strings(avail)
	if strings.TrimSpace(list) == "" {
		if len(avail) == 0 {
			return nil, recd.Invalid("models", "no models registered")
		}
		return avail, nil
	}
	var out []string
	seen := map[string]bool{}
	for _, n := range strings.Split(list, ",") {
		n = strings.TrimSpace(n)
		if n == "" || seen[n] {
			continue
		}
		if _, ok := models[n]; !ok {
			return nil, recd.Invalid("models", fmt.Sprintf("unknown model %q (available: %s)", n, strings.Join(avail, ", ")))
		}
		seen[n] = true
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, recd.Invalid("models", "no model named")
	}
	return out, nil
}

func splitBy(events []recd.Event, name string, fraction float64, seed uint64) (*Split, error) {
	switch name {
	case "random":
		return RandomSplit(events, fraction, seed)
	case "temporal":
		return TemporalSplit(events, fraction)
	case "leave-last-out":
		return LeaveLastOut(events)
	}
	return nil, recd.Invalid("split", fmt.Sprintf("unknown split %q (random, temporal, leave-last-out)", name))
}

// ReadData reads a data set in the given format ("" picks one from the path: a directory is
// MovieLens, *.jsonl events JSONL, anything else CSV).
func ReadData(path, format string) (*dataset.Data, error) {
	if format == "" {
		st, err := os.Stat(path)
		switch {
		case err != nil:
			return nil, fmt.Errorf("read data: %w", err)
		case st.IsDir():
			format = "movielens"
		case strings.HasSuffix(path, ".jsonl") || strings.HasSuffix(path, ".ndjson"):
			format = "events-jsonl"
		default:
			format = "csv"
		}
	}
	switch format {
	case "movielens":
		return dataset.ReadMovieLens(path)
	case "events-jsonl":
		return readEventsJSONL(path)
	case "csv":
		return readEventsCSV(path)
	}
	return nil, recd.Invalid("format", fmt.Sprintf("unknown format %q (movielens, events-jsonl, csv)", format))
}

// writeFileAtomic writes through a temporary file in the same directory and renames it.
func writeFileAtomic(path string, fn func(io.Writer) error) error {
	f, err := os.CreateTemp(dirOf(path), ".recd-report-*")
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), path)
}

func dirOf(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i >= 0 {
		return path[:i+1]
	}
	return "."
}
