package eval

import (
	"flag"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/recd/recd"
	"github.com/recd/recd/model"
)

// cliFlags are the parsed flags of `recd eval`.
type cliFlags struct {
	dataPath, format, splitName, trainPath, testPath string
	fraction                                         float64
	seed                                             uint64
	k, workers                                       int
	names, output, report, tradeoff, diversifier     string
	binary                                           bool
	groupBy, usersPath                               string
	minGroupUsers                                    int
	// generated and key: the cold-items protocol's source of generated descriptions.
	generated, key    string
	kSet, fractionSet bool
}

// parseCLIFlags parses and checks the flags; the list length k is read here only.
func parseCLIFlags(args []string, stderr io.Writer) (*cliFlags, error) {
	var f cliFlags
	fs := flag.NewFlagSet("recd eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: recd eval --data PATH [flags]\n       recd eval --train FILE --test FILE [flags]\n\nFlags:\n")
		fs.PrintDefaults()
		fmt.Fprint(stderr, "\nExample:\n  recd eval --data examples/ml-latest-small --models als,ease,hybrid --k 10\n")
	}
	fs.StringVar(&f.dataPath, "data", "", "data set: a MovieLens directory, an events JSONL file or a CSV file")
	fs.StringVar(&f.format, "format", "", "data format: movielens, events-jsonl or csv (default: from the path)")
	fs.StringVar(&f.splitName, "split", "random", "split: random (per user), temporal (global time cut), user-time (each user's latest items),\n"+
		"leave-last-out, or "+
		"cold-items (every event of a random --test-fraction of the items held out, default 0.1; the content models'\n"+
		"recall at --k, default 50, of those items among the users who interacted with them)")
	fs.StringVar(&f.generated, "generated", "", "cold-items: also measure with generated descriptions: stand-in (written from tags and\n"+
		"genres, as recd describe --stand-in does) or the URL of a running recd whose items have them (recd describe)")
	fs.StringVar(&f.key, "key", "", "cold-items: API key (read role) for --generated URL")
	fs.Float64Var(&f.fraction, "test-fraction", 0.2, "share of each user's items (random, user-time) or of all events (temporal) held out")
	fs.Uint64Var(&f.seed, "seed", 42, "seed of the random split")
	fs.IntVar(&f.k, "k", 10, "list length the metrics are cut at")
	fs.StringVar(&f.names, "models", "", "comma-separated models to compare (default: all registered)")
	fs.StringVar(&f.output, "output", "markdown", "output format: markdown, json or html")
	fs.StringVar(&f.report, "report", "", "also write the report in the --output format to this file (markdown goes to stdout too)")
	fs.StringVar(&f.trainPath, "train", "", "training pairs: user<TAB>item lines, or CSV with a user,item header")
	fs.StringVar(&f.testPath, "test", "", "test pairs, in the format of --train")
	fs.BoolVar(&f.binary, "binary", true, "treat every event as one positive interaction of weight 1")
	fs.IntVar(&f.workers, "workers", 0, "users evaluated in parallel (0: all cores)")
	fs.StringVar(&f.tradeoff, "tradeoff", "", "comma-separated MMR diversity values in [0,1] to trace the best model's accuracy-diversity\n"+
		"trade-off (needs item categories; default for html: 0,0.2,0.4,0.6,0.8)")
	fs.StringVar(&f.diversifier, "diversifier", DiversifierMMR, "re-ranker of the --tradeoff: mmr (the served one), mmr-mean (mean instead of max\n"+
		"similarity) or dpp (greedy DPP MAP)")
	fs.StringVar(&f.groupBy, "group-by", "", "user.<attribute>: also report each user group's metrics and the largest gap between\n"+
		"groups (a fairness audit; needs --users)")
	fs.StringVar(&f.usersPath, "users", "", "users with their attributes for --group-by: JSON lines of {\"id\",\"attributes\"} or a CSV\n"+
		"file with a user_id column and one per attribute")
	fs.IntVar(&f.minGroupUsers, "min-group-users", 30, "test users a group needs to be ranked in the largest gap")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	fs.Visit(func(fl *flag.Flag) {
		f.kSet = f.kSet || fl.Name == "k"
		f.fractionSet = f.fractionSet || fl.Name == "test-fraction"
	})
	if fs.NArg() > 0 {
		return nil, recd.Invalid("args", fmt.Sprintf("unexpected arguments %q", fs.Args()))
	}
	if f.output != "markdown" && f.output != "json" && f.output != "html" {
		return nil, recd.Invalid("output", fmt.Sprintf("unknown output %q (markdown, json, html)", f.output))
	}
	if f.k <= 0 {
		return nil, recd.Invalid("k", "must be positive")
	}
	if _, err := diversifier(f.diversifier); err != nil {
		return nil, err
	}
	if err := f.checkGroupBy(); err != nil {
		return nil, err
	}
	return &f, nil
}

// cliInput is the split the models are compared on, with the catalog when the data has one.
type cliInput struct {
	split    *Split
	items    []recd.Item
	cats     map[string][]string // nil when no item has a category
	protocol string
}

// load reads the given train/test files, or reads the data set and splits it.
func (f *cliFlags) load() (*cliInput, error) {
	switch {
	case f.trainPath != "" || f.testPath != "":
		if f.trainPath == "" || f.testPath == "" || f.dataPath != "" {
			return nil, recd.Invalid("train", "--train and --test go together, without --data")
		}
		split, err := ReadSplitFiles(f.trainPath, f.testPath)
		if err != nil {
			return nil, err
		}
		return &cliInput{split: split, protocol: fmt.Sprintf("train %s, test %s, k = %d", f.trainPath, f.testPath, f.k)}, nil
	case f.dataPath != "":
		data, err := ReadData(f.dataPath, f.format)
		if err != nil {
			return nil, err
		}
		split, err := splitBy(data.Events, f.splitName, f.fraction, f.seed)
		if err != nil {
			return nil, err
		}
		in := &cliInput{split: split, items: data.Items, cats: map[string][]string{},
			protocol: fmt.Sprintf("%s: %d events, %s split (test fraction %g, seed %d), k = %d",
				f.dataPath, len(data.Events), f.splitName, f.fraction, f.seed, f.k)}
		for _, it := range data.Items {
			if len(it.Categories) > 0 {
				in.cats[it.ID] = it.Categories
			}
		}
		if len(in.cats) == 0 {
			in.cats = nil
		}
		return in, nil
	}
	return nil, recd.Invalid("data", "give --data PATH or --train FILE --test FILE")
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
	case "user-time":
		return UserTimeSplit(events, fraction)
	case "leave-last-out":
		return LeaveLastOut(events)
	}
	return nil, recd.Invalid("split", fmt.Sprintf("unknown split %q (random, temporal, user-time, leave-last-out, cold-items)", name))
}

// checkGroupBy checks --group-by, --users and --min-group-users together.
func (f *cliFlags) checkGroupBy() error {
	if f.groupBy == "" {
		if f.usersPath != "" {
			return recd.Invalid("users", "goes with --group-by user.<attribute>")
		}
		return nil
	}
	if attr, ok := strings.CutPrefix(f.groupBy, "user."); !ok || attr == "" {
		return recd.Invalid("group-by", "must be user.<attribute>")
	}
	if f.usersPath == "" {
		return recd.Invalid("users", "--group-by needs --users FILE with the users' attributes")
	}
	if f.minGroupUsers < 2 {
		return recd.Invalid("min-group-users", "must be at least 2")
	}
	return nil
}
