package eval

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/model"
)

// Search methods of TuneOptions.Method.
const (
	MethodRandom  = "random"
	MethodHalving = "halving"
)

// TuneOptions configures a hyper-parameter search.
type TuneOptions struct {
	// Trials is the number of sampled configurations, besides the defaults. Default 30.
	Trials int
	// Seed seeds the validation split, the sampling and the halving subsample. Model seeds
	// keep their defaults, so the best configuration trains in serve as it did here.
	Seed uint64
	// Method is MethodRandom (default: every trial fitted in full) or MethodHalving
	// (successive halving: all trials on a small budget, the best 1/Eta promoted to a budget
	// Eta times larger, until the survivors run in full).
	Method string
	// Eta is the halving reduction factor (>= 2). Default 3.
	Eta int
	// K is the list length NDCG is cut at. Default 10.
	K int
	// ValidationFraction is the share of each user's training items held out for validation.
	// Default 0.2.
	ValidationFraction float64
	// Binary treats every event as one positive interaction of weight 1 (the `recd eval`
	// protocol). Default true.
	Binary bool
	// Workers is the number of users evaluated in parallel; 0 means GOMAXPROCS.
	Workers int
	// OnTrial, if set, is called after every trial from the goroutine running Tune with the
	// trial, the number of trials done and the total planned.
	OnTrial func(t Trial, done, total int)
}

// DefaultTuneOptions returns 30 random trials, seed 42, NDCG@10, a 20% validation split.
func DefaultTuneOptions() TuneOptions {
	return TuneOptions{Trials: 30, Seed: 42, Method: MethodRandom, Eta: 3, K: 10, ValidationFraction: 0.2, Binary: true}
}

func (o *TuneOptions) validate() error {
	switch {
	case o.Trials < 1 || o.Trials > 100000:
		return recd.Invalid("trials", "must be between 1 and 100000")
	case o.Method != MethodRandom && o.Method != MethodHalving:
		return recd.Invalid("method", fmt.Sprintf("unknown method %q (random, halving)", o.Method))
	case o.Method == MethodHalving && o.Eta < 2:
		return recd.Invalid("eta", "must be at least 2")
	case o.K < 1:
		return recd.Invalid("k", "must be positive")
	}
	return checkFraction(o.ValidationFraction)
}

// Trial is one evaluated configuration.
type Trial struct {
	// ID numbers the configurations: 0 is the model's defaults, 1..Trials the sampled ones.
	ID     int    `json:"id"`
	Params Params `json:"params"`
	// Rung is the halving round (0 first); Budget the share of the full iterations (or of
	// the users) it ran with, 1 for a full run.
	Rung   int     `json:"rung"`
	Budget float64 `json:"budget"`
	// NDCG is the validation NDCG@K over Users users; 0 when Err is set.
	NDCG    float64       `json:"ndcg"`
	Users   int           `json:"users"`
	Elapsed time.Duration `json:"elapsed_ns"`
	Err     string        `json:"error,omitempty"`
}

// TuneResult is the outcome of a search.
type TuneResult struct {
	Model  string  `json:"model"`
	Trials []Trial `json:"trials"`
	// Best is the full-budget trial with the highest validation NDCG (the defaults win ties);
	// Default is the defaults' full-budget trial.
	Best    Trial `json:"best"`
	Default Trial `json:"default"`
	// FitUsers, FitPairs and ValidationPairs size the fit/validation split of the training data.
	FitUsers        int `json:"fit_users"`
	FitPairs        int `json:"fit_pairs"`
	ValidationPairs int `json:"validation_pairs"`
	// PValue is the two-sided paired t-test p-value of Best against Default over the
	// validation users' NDCG (1 when Best is the defaults): a small validation set makes
	// differences of a few thousandths noise, which a large PValue says.
	PValue float64 `json:"p_value"`
}

// Tune searches s on train only: it holds out opt.ValidationFraction of each user's items
// (RandomSplit with a seed derived from opt.Seed), fits every trial on the rest and ranks
// trials by NDCG@K on the held-out items. It never sees data outside train, so a test split
// cut before the call stays untouched. The defaults are always evaluated in full (trial 0),
// so Best is never worse than Default on validation. Deterministic for opt.Seed.
func Tune(ctx context.Context, s *Space, train []recd.Event, opt TuneOptions) (*TuneResult, error) {
	if err := opt.validate(); err != nil {
		return nil, err
	}
	split, err := RandomSplit(train, opt.ValidationFraction, opt.Seed^0x5eed)
	if err != nil {
		return nil, err
	}
	if split.NumTest() == 0 {
		return nil, recd.Unprocessable("data", "no user has enough items to hold some out for validation")
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 0x7475))
	configs := []Params{s.Default}
	for i := 0; i < opt.Trials; i++ {
		configs = append(configs, s.Sample(rng))
	}
	t := &tuner{s: s, opt: opt, split: split, full: BuildDataset(split.Train, model.DefaultWeights(), opt.Binary)}
	t.users = sortedUsers(split.Train, rand.New(rand.NewPCG(opt.Seed, 0x7573)))
	res := &TuneResult{Model: s.Model, FitUsers: t.full.NumUsers(), FitPairs: t.full.NNZ(), ValidationPairs: split.NumTest()}

	budgets := []float64{1}
	if opt.Method == MethodHalving {
		budgets = halvingBudgets(opt.Trials, opt.Eta)
	}
	t.total = 1 + plannedTrials(opt.Trials, opt.Eta, len(budgets))

	var defRes, bestRes *Result
	if res.Default, defRes, err = t.run(ctx, 0, configs[0], len(budgets)-1, 1); err != nil {
		return nil, err
	}
	res.Trials = append(res.Trials, res.Default)
	alive := make([]int, opt.Trials)
	for i := range alive {
		alive[i] = i + 1
	}
	var last []Trial
	for r, b := range budgets {
		last = last[:0]
		for _, id := range alive {
			tr, rr, err := t.run(ctx, id, configs[id], r, b)
			if err != nil {
				return nil, err
			}
			res.Trials = append(res.Trials, tr)
			last = append(last, tr)
			if r == len(budgets)-1 && tr.Err == "" && tr.NDCG > max(res.Default.NDCG, bestNDCG(bestRes)) {
				bestRes = rr
			}
		}
		if r == len(budgets)-1 {
			break
		}
		sort.SliceStable(last, func(a, b int) bool { return last[a].NDCG > last[b].NDCG })
		keep := (len(last) + opt.Eta - 1) / opt.Eta
		alive = alive[:0]
		for _, tr := range last[:keep] {
			alive = append(alive, tr.ID)
		}
		sort.Ints(alive)
	}
	res.Best = res.Default
	for _, tr := range last {
		if tr.Err == "" && tr.NDCG > res.Best.NDCG {
			res.Best = tr
		}
	}
	if res.Best.Err != "" {
		return nil, fmt.Errorf("tune %s: every trial failed, the defaults with: %s", s.Model, res.Best.Err)
	}
	res.PValue = 1
	if bestRes != nil && defRes != nil {
		if _, _, p, err := PairedTTest(bestRes, defRes, MetricNDCG); err == nil {
			res.PValue = p
		}
	}
	return res, nil
}

// tuner runs trials on one fit/validation split.
type tuner struct {
	s     *Space
	opt   TuneOptions
	split *Split
	full  *model.Dataset
	users []string // training users in a seeded order; budget b fits on the first b share
	done  int
	total int
}

// run fits and validates one configuration with a budget. A configuration that fails to
// fit is recorded with Err and scores 0; only a cancelled context stops the search.
func (t *tuner) run(ctx context.Context, id int, p Params, rung int, budget float64) (Trial, *Result, error) {
	start := time.Now()
	tr := Trial{ID: id, Params: p, Rung: rung, Budget: budget}
	train, test := t.full, t.split.Test
	q := p
	if budget < 1 {
		if t.s.Budget != "" {
			q = Params{}
			for k, v := range p {
				q[k] = v
			}
			full := p[t.s.Budget]
			q[t.s.Budget] = math.Min(full, math.Max(minBudgetIterations, math.Round(full*budget)))
		} else {
			train, test = t.subsample(budget)
		}
	}
	rec, err := t.s.New(q)
	var r *Result
	if err == nil {
		o := DefaultOptions()
		o.K, o.Workers = t.opt.K, t.opt.Workers
		r, err = Evaluate(ctx, rec, train, test, o)
		closeModel(rec) // trials run one at a time: a model holding resources frees them now
	}
	if ctx.Err() != nil {
		return tr, nil, ctx.Err()
	}
	if err != nil {
		tr.Err = err.Error()
	} else {
		tr.NDCG, tr.Users = r.Metrics[MetricNDCG], r.Users
	}
	tr.Elapsed = time.Since(start)
	t.done++
	if t.opt.OnTrial != nil {
		t.opt.OnTrial(tr, t.done, t.total)
	}
	return tr, r, nil
}

func bestNDCG(r *Result) float64 {
	if r == nil {
		return 0
	}
	return r.Metrics[MetricNDCG]
}

// subsample returns the fit data and validation items of the first share of the users.
func (t *tuner) subsample(share float64) (*model.Dataset, map[string][]string) {
	n := max(1, int(math.Ceil(share*float64(len(t.users)))))
	keep := make(map[string]bool, n)
	for _, u := range t.users[:n] {
		keep[u] = true
	}
	var events []recd.Event
	for _, e := range t.split.Train {
		if keep[e.UserID] {
			events = append(events, e)
		}
	}
	test := map[string][]string{}
	for u, items := range t.split.Test {
		if keep[u] {
			test[u] = items
		}
	}
	return BuildDataset(events, model.DefaultWeights(), t.opt.Binary), test
}

// sortedUsers returns the distinct users of events, sorted and then shuffled by rng.
func sortedUsers(events []recd.Event, rng *rand.Rand) []string {
	users, _ := userPairs(events)
	rng.Shuffle(len(users), func(a, b int) { users[a], users[b] = users[b], users[a] })
	return users
}

// minBudgetIterations is the fewest iterations (or epochs) a halving rung runs: rankings
// after one or two ALS sweeps hardly predict the final ones.
const minBudgetIterations = 3

// halvingBudgets returns the budget of each rung, the last one 1: eta^-(R-1) ... 1/eta, 1,
// with as many rungs as halving n configurations by eta allows, at most 3 (budgets below
// 1/eta² ranked configurations too unlike their full runs on MovieLens).
func halvingBudgets(n, eta int) []float64 {
	const maxRungs = 3
	rungs := 1
	for m := n; m >= eta && rungs < maxRungs; m = (m + eta - 1) / eta {
		rungs++
	}
	out := make([]float64, rungs)
	for r := range out {
		out[r] = math.Pow(float64(eta), float64(r-rungs+1))
	}
	return out
}

// plannedTrials counts the evaluations of n configurations over the given number of rungs.
func plannedTrials(n, eta, rungs int) int {
	total := 0
	for r := 0; r < rungs; r++ {
		total += n
		n = (n + eta - 1) / eta
	}
	return total
}
