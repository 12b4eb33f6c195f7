package eval

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/recd/recd"
	"github.com/recd/recd/model"
)

// RunCLI implements `recd eval`: it loads data (or a given train/test split), splits it,
// fits and evaluates every requested model from the registry on the same split, and prints
// a comparison (markdown, JSON or HTML) with a paired t-test p-value against the best model.
// args excludes the subcommand name. models maps a model name to a constructor of an
// unfitted model (DefaultModels gives the library's own). Progress lines go to stderr. A
// model that implements io.Closer is closed before RunCLI returns.
//
//	recd eval --data PATH [--format movielens|events-jsonl|csv] [--split random|temporal|user-time|leave-last-out]
//	          [--test-fraction 0.2] [--seed 42] [--k 10] [--models a,b,c] [--output markdown|json|html] [--report FILE]
//	recd eval --train FILE --test FILE [...]
func RunCLI(ctx context.Context, args []string, stdout, stderr io.Writer, models map[string]func() model.Recommender) error {
	f, err := parseCLIFlags(args, stderr)
	if err != nil {
		return err
	}
	if f.splitName == SplitColdItems {
		return runCold(ctx, f, stdout, stderr)
	}
	selected, err := selectModels(f.names, models)
	if err != nil {
		return err
	}
	in, err := f.load()
	if err != nil {
		return err
	}
	train := BuildDataset(in.split.Train, model.DefaultWeights(), f.binary)
	fmt.Fprintf(stderr, "train: %d users, %d items, %d interactions; test: %d users, %d pairs\n",
		train.NumUsers(), train.NumItems(), train.NNZ(), len(in.split.Test), in.split.NumTest())
	opt := DefaultOptions()
	opt.K, opt.Workers, opt.Categories = f.k, f.workers, in.cats
	opt.TestRatings = in.split.TestRatings
	divs, err := parseTradeoff(f.tradeoff, f.output == "html" && in.cats != nil)
	if err != nil {
		return err
	}
	c := &comparison{stderr: stderr, train: train, events: in.split.Train, test: in.split.Test, opt: opt, items: in.items,
		rep: &Report{Title: "recd model comparison", Protocol: in.protocol}, fitted: map[string]model.Recommender{}}
	defer c.close()
	for _, name := range selected {
		if err := c.evaluate(ctx, name, models[name]()); err != nil {
			return err
		}
	}
	if len(divs) > 0 && in.cats != nil {
		if err := c.tradeoff(ctx, divs, f.diversifier); err != nil {
			return err
		}
	}
	if err := c.groupBy(f); err != nil {
		return err
	}
	return writeReport(stdout, c.rep, f.output, f.report)
}

// comparison evaluates models one after another on one split and collects the report; it
// owns the fitted models until close. Not safe for concurrent use.
type comparison struct {
	stderr io.Writer
	train  *model.Dataset
	events []recd.Event // the training events the dataset was built from
	test   map[string][]string
	opt    Options
	items  []recd.Item
	rep    *Report
	fitted map[string]model.Recommender
}

// evaluate fits and evaluates one model and adds its row to the report.
func (c *comparison) evaluate(ctx context.Context, name string, rec model.Recommender) error {
	c.fitted[name] = rec // kept for the trade-off, and closed with the others
	if ia, ok := rec.(ItemAware); ok && c.items != nil {
		ia.SetItems(c.items)
	}
	if ea, ok := rec.(EventAware); ok {
		ea.SetTrainEvents(c.events)
	}
	res, err := Evaluate(ctx, rec, c.train, c.test, c.opt)
	if err != nil {
		return fmt.Errorf("model %s: %w", name, err)
	}
	res.Model = name
	if l, ok := rec.(Learner); ok {
		if lr := l.LearnedRanking(); lr != nil {
			lr.Model = name
			c.rep.Learned = append(c.rep.Learned, lr)
		}
	}
	k := c.opt.K
	fmt.Fprintf(c.stderr, "%s: fit %.2fs, eval %.2fs, NDCG@%d %.4f, Recall@%d %.4f, coverage %.4f\n", name,
		res.TrainTime.Seconds(), res.EvalTime.Seconds(), k, res.Metrics[MetricNDCG], k, res.Metrics[MetricRecall], res.Metrics[MetricCoverage])
	c.rep.Results = append(c.rep.Results, res)
	return nil
}

// tradeoff re-ranks the best model's lists at each diversity and adds the points.
func (c *comparison) tradeoff(ctx context.Context, divs []float64, diversifierName string) error {
	best := c.rep.Rows()[0].Result.Model
	series := best + " + MMR"
	if diversifierName != DiversifierMMR {
		series = best + " + " + diversifierName
	}
	for _, d := range divs {
		o := c.opt
		o.Diversity, o.Diversifier = d, diversifierName
		res, err := EvaluateFitted(ctx, c.fitted[best], c.train, c.test, o)
		if err != nil {
			return fmt.Errorf("tradeoff %s at %g: %w", best, d, err)
		}
		c.rep.Tradeoff = append(c.rep.Tradeoff, TradeoffPoint{Series: series, Diversity: d,
			NDCG: res.Metrics[MetricNDCG], ILD: res.Metrics[MetricILD]})
		fmt.Fprintf(c.stderr, "%s diversity %g: NDCG@%d %.4f, ILD %.4f\n", series, d, c.opt.K, res.Metrics[MetricNDCG], res.Metrics[MetricILD])
	}
	return nil
}

// groupBy adds the fairness audit of --group-by user.<attribute> to the report.
func (c *comparison) groupBy(f *cliFlags) error {
	if f.groupBy == "" {
		return nil
	}
	groups, err := ReadUserGroups(f.usersPath, strings.TrimPrefix(f.groupBy, "user."))
	if err != nil {
		return err
	}
	gr := &GroupReport{By: f.groupBy, MinUsers: f.minGroupUsers}
	for _, row := range c.rep.Rows() {
		gr.Models = append(gr.Models, GroupBy(row.Result, groups, f.minGroupUsers))
	}
	c.rep.Groups = gr
	return nil
}

// close closes every model that holds resources (io.Closer).
func (c *comparison) close() {
	for _, rec := range c.fitted {
		closeModel(rec)
	}
}

// closeModel closes rec when it implements io.Closer; its error is of no use to a caller
// that is done with the model.
func closeModel(rec model.Recommender) {
	if cl, ok := rec.(io.Closer); ok {
		_ = cl.Close()
	}
}

// writeReport writes the report in the output format to stdout, or to the report file with
// the markdown table on stdout as well.
func writeReport(stdout io.Writer, rep *Report, output, report string) error {
	write := map[string]func(io.Writer, *Report) error{"markdown": WriteMarkdown, "json": WriteJSON, "html": WriteHTML}[output]
	if report != "" {
		if err := writeFileAtomic(report, func(w io.Writer) error { return write(w, rep) }); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
		if output != "markdown" {
			return WriteMarkdown(stdout, rep)
		}
	}
	return write(stdout, rep)
}
