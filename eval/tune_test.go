package eval

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/model"
)

// tuneFixture is a clustered implicit data set: users pick most of their items from their
// cluster's block, with a popularity skew inside it, and a few from anywhere.
func tuneFixture(users, items, clusters int, seed uint64) []recd.Event {
	rng := rand.New(rand.NewPCG(seed, 1))
	block := items / clusters
	var evs []recd.Event
	for u := 0; u < users; u++ {
		c := u % clusters
		n := min(8+rng.IntN(25), items/2)
		seen := map[int]bool{}
		for len(seen) < n {
			var it int
			if rng.Float64() < 0.8 {
				it = c*block + int(float64(block)*math.Pow(rng.Float64(), 2))
			} else {
				it = rng.IntN(items)
			}
			if seen[it] {
				continue
			}
			seen[it] = true
			evs = append(evs, recd.Event{UserID: fmt.Sprintf("u%03d", u), ItemID: fmt.Sprintf("i%03d", it), Type: recd.EventClick})
		}
	}
	return evs
}

func fastOptions(trials int) TuneOptions {
	o := DefaultTuneOptions()
	o.Trials, o.Seed, o.Workers = trials, 7, 2
	return o
}

// stripElapsed zeroes the timings so two runs can be compared.
func stripElapsed(ts []Trial) []Trial {
	out := append([]Trial(nil), ts...)
	for i := range out {
		out[i].Elapsed = 0
	}
	return out
}

func TestTune_Random(t *testing.T) {
	evs := tuneFixture(300, 150, 5, 1)
	s, err := SearchSpace("itemknn")
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	opt := fastOptions(6)
	opt.OnTrial = func(tr Trial, done, total int) {
		calls++
		if done != calls || total != 7 {
			t.Errorf("OnTrial(done %d, total %d), want (%d, 7)", done, total, calls)
		}
	}
	res, err := Tune(context.Background(), s, evs, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Trials) != 7 || calls != 7 {
		t.Fatalf("%d trials, %d callbacks; want 7 (defaults + 6)", len(res.Trials), calls)
	}
	if !reflect.DeepEqual(res.Default.Params, s.Default) || res.Trials[0].ID != 0 {
		t.Errorf("trial 0 = %+v, want the defaults %v", res.Trials[0], s.Default)
	}
	best := res.Trials[0]
	for i, tr := range res.Trials {
		if tr.ID != i || tr.Budget != 1 || tr.Err != "" || tr.Users == 0 {
			t.Errorf("trial %d = %+v", i, tr)
		}
		if tr.NDCG > best.NDCG {
			best = tr
		}
	}
	if res.Best.ID != best.ID || res.Best.NDCG != best.NDCG {
		t.Errorf("best = trial %d (%.4f), want trial %d (%.4f)", res.Best.ID, res.Best.NDCG, best.ID, best.NDCG)
	}
	if res.Best.NDCG < res.Default.NDCG {
		t.Errorf("best validation NDCG %.4f < defaults %.4f", res.Best.NDCG, res.Default.NDCG)
	}
	if res.Default.NDCG <= 0.05 {
		t.Errorf("defaults NDCG %.4f: the clustered fixture should be learnable", res.Default.NDCG)
	}
	if !(res.PValue >= 0 && res.PValue <= 1) || (res.Best.ID == 0 && res.PValue != 1) {
		t.Errorf("p-value %v with best trial %d", res.PValue, res.Best.ID)
	}
	if res.FitUsers != 300 || res.ValidationPairs == 0 {
		t.Errorf("fit users %d, validation pairs %d", res.FitUsers, res.ValidationPairs)
	}
}

func TestTune_Deterministic(t *testing.T) {
	evs := tuneFixture(200, 120, 4, 2)
	s, _ := SearchSpace("als")
	run := func(seed uint64) *TuneResult {
		opt := fastOptions(3)
		opt.Seed = seed
		res, err := Tune(context.Background(), s, evs, opt)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a, b := run(11), run(11)
	if !reflect.DeepEqual(stripElapsed(a.Trials), stripElapsed(b.Trials)) {
		t.Errorf("same seed, different trials:\n%+v\n%+v", a.Trials, b.Trials)
	}
	c := run(12)
	if reflect.DeepEqual(a.Trials[1].Params, c.Trials[1].Params) {
		t.Errorf("seeds 11 and 12 sampled the same first configuration %v", a.Trials[1].Params)
	}
}

// recordingSpace wraps s so every dataset a model is fitted on is recorded.
func recordingSpace(s *Space, fitted *[]*model.Dataset) *Space {
	w := *s
	w.New = func(p Params) (model.Recommender, error) {
		rec, err := s.New(p)
		if err != nil {
			return nil, err
		}
		return &recordingModel{Recommender: rec, fitted: fitted}, nil
	}
	return &w
}

type recordingModel struct {
	model.Recommender
	fitted *[]*model.Dataset
}

func (m *recordingModel) Fit(ctx context.Context, d *model.Dataset) error {
	*m.fitted = append(*m.fitted, d)
	return m.Recommender.Fit(ctx, d)
}

func TestTuneHoldout_NeverFitsOnTest(t *testing.T) {
	evs := tuneFixture(250, 120, 5, 3)
	s, _ := SearchSpace("itemknn")
	var fitted []*model.Dataset
	opt := fastOptions(4)
	h, err := TuneHoldout(context.Background(), recordingSpace(s, &fitted), evs, 0.2, opt)
	if err != nil {
		t.Fatal(err)
	}
	split, _ := RandomSplit(evs, 0.2, opt.Seed)
	trainPairs := BuildDataset(split.Train, model.DefaultWeights(), true).NNZ()
	if want := 5 + 2; len(fitted) != want && !(h.Best.ID == 0 && len(fitted) == want-1) {
		t.Fatalf("%d fits, want 5 trials and the refits", len(fitted))
	}
	for n, d := range fitted {
		for u, items := range split.Test {
			ui, ok := d.UserIndex[u]
			if !ok {
				continue
			}
			row, _ := d.UserRow(int(ui))
			has := map[string]bool{}
			for _, i := range row {
				has[d.Items[i]] = true
			}
			for _, it := range items {
				if has[it] {
					t.Fatalf("fit %d saw test pair (%s, %s)", n, u, it)
				}
			}
		}
		search := n < len(h.Trials)
		if search && d.NNZ() >= trainPairs {
			t.Errorf("search fit %d has %d pairs, want fewer than the %d training pairs (validation held out)", n, d.NNZ(), trainPairs)
		}
		if !search && d.NNZ() != trainPairs {
			t.Errorf("refit %d has %d pairs, want all %d training pairs", n, d.NNZ(), trainPairs)
		}
	}
	plain, err := Tune(context.Background(), s, split.Train, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(stripElapsed(plain.Trials), stripElapsed(h.Trials)) {
		t.Error("TuneHoldout's search differs from Tune on the training part alone")
	}
	if h.BestTest <= 0 || h.DefaultTest <= 0 || h.TestPairs != split.NumTest() {
		t.Errorf("test NDCG best %.4f, defaults %.4f, pairs %d", h.BestTest, h.DefaultTest, h.TestPairs)
	}
}

func TestTune_Halving(t *testing.T) {
	evs := tuneFixture(200, 120, 4, 4)
	for _, name := range []string{"als", "itemknn"} {
		t.Run(name, func(t *testing.T) {
			s, _ := SearchSpace(name)
			opt := fastOptions(9)
			opt.Method = MethodHalving
			res, err := Tune(context.Background(), s, evs, opt)
			if err != nil {
				t.Fatal(err)
			}
			rungs := map[int][]Trial{}
			for _, tr := range res.Trials[1:] {
				rungs[tr.Rung] = append(rungs[tr.Rung], tr)
			}
			if len(rungs[0]) != 9 || len(rungs[1]) != 3 || len(rungs[2]) != 1 {
				t.Fatalf("rung sizes %d, %d, %d; want 9, 3, 1", len(rungs[0]), len(rungs[1]), len(rungs[2]))
			}
			if rungs[0][0].Budget >= rungs[1][0].Budget || rungs[2][0].Budget != 1 {
				t.Errorf("budgets %g, %g, %g", rungs[0][0].Budget, rungs[1][0].Budget, rungs[2][0].Budget)
			}
			for r := 0; r < 2; r++ {
				promoted := map[int]bool{}
				for _, tr := range rungs[r+1] {
					promoted[tr.ID] = true
				}
				for _, lo := range rungs[r] {
					for _, hi := range rungs[r] {
						if !promoted[lo.ID] && promoted[hi.ID] && lo.NDCG > hi.NDCG {
							t.Errorf("rung %d: trial %d (%.4f) dropped, trial %d (%.4f) promoted", r, lo.ID, lo.NDCG, hi.ID, hi.NDCG)
						}
					}
				}
			}
			if s.Budget == "" && rungs[0][0].Users >= rungs[2][0].Users {
				t.Errorf("budget by users: rung 0 validated %d users, the last rung %d", rungs[0][0].Users, rungs[2][0].Users)
			}
			if s.Budget != "" && rungs[0][0].Users != rungs[2][0].Users {
				t.Errorf("budget by %s: rung 0 validated %d users, the last rung %d", s.Budget, rungs[0][0].Users, rungs[2][0].Users)
			}
			if res.Best.Budget != 1 || res.Best.NDCG < res.Default.NDCG {
				t.Errorf("best %+v, defaults %.4f", res.Best, res.Default.NDCG)
			}
		})
	}
}

func TestHalvingBudgets(t *testing.T) {
	tests := []struct {
		n, eta int
		want   []float64
	}{
		{1, 3, []float64{1}},
		{2, 3, []float64{1}},
		{3, 3, []float64{1.0 / 3, 1}},
		{9, 3, []float64{1.0 / 9, 1.0 / 3, 1}},
		{1000, 3, []float64{1.0 / 9, 1.0 / 3, 1}},
		{8, 2, []float64{1.0 / 4, 1.0 / 2, 1}},
	}
	for _, tt := range tests {
		got := halvingBudgets(tt.n, tt.eta)
		if len(got) != len(tt.want) {
			t.Errorf("halvingBudgets(%d, %d) = %v, want %v", tt.n, tt.eta, got, tt.want)
			continue
		}
		for i := range got {
			if math.Abs(got[i]-tt.want[i]) > 1e-12 {
				t.Errorf("halvingBudgets(%d, %d) = %v, want %v", tt.n, tt.eta, got, tt.want)
			}
		}
	}
	if got := plannedTrials(30, 3, 4); got != 30+10+4+2 {
		t.Errorf("plannedTrials(30, 3, 4) = %d, want 46", got)
	}
}

func TestSearchSpace_SamplesValidModels(t *testing.T) {
	evs := tuneFixture(60, 40, 2, 5)
	d := BuildDataset(evs, model.DefaultWeights(), true)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, name := range SpaceNames() {
		t.Run(name, func(t *testing.T) {
			s, err := SearchSpace(name)
			if err != nil {
				t.Fatal(err)
			}
			for n := 0; n < 20; n++ {
				p := s.Sample(rng)
				for _, q := range s.Params {
					v := p[q.Name]
					lo, hi := q.Min, q.Max
					if len(q.Choices) > 0 {
						lo, hi = q.Choices[0], q.Choices[len(q.Choices)-1]
					}
					if v < lo || v > hi || (q.Int && v != math.Trunc(v)) {
						t.Fatalf("%s = %v outside [%v, %v] (int %v)", q.Name, v, lo, hi, q.Int)
					}
				}
				if _, err := s.New(p); err != nil {
					t.Fatalf("New(%v): %v", p, err)
				}
			}
			if name == "ncf" || name == "bpr" {
				return // their fits are covered by the model package; keep this test fast
			}
			rec, err := s.New(s.Default)
			if err != nil {
				t.Fatal(err)
			}
			if err := rec.Fit(context.Background(), d); err != nil {
				t.Fatalf("defaults do not fit: %v", err)
			}
		})
	}
	if _, err := SearchSpace("popularity"); err == nil {
		t.Error("SearchSpace(popularity) should fail: it has no hyper-parameters")
	}
}

func TestTune_RejectsBadOptions(t *testing.T) {
	s, _ := SearchSpace("itemknn")
	evs := tuneFixture(20, 20, 2, 6)
	for name, mut := range map[string]func(*TuneOptions){
		"no trials":  func(o *TuneOptions) { o.Trials = 0 },
		"method":     func(o *TuneOptions) { o.Method = "grid" },
		"eta":        func(o *TuneOptions) { o.Method, o.Eta = MethodHalving, 1 },
		"k":          func(o *TuneOptions) { o.K = 0 },
		"validation": func(o *TuneOptions) { o.ValidationFraction = 1 },
	} {
		t.Run(name, func(t *testing.T) {
			o := fastOptions(2)
			mut(&o)
			if _, err := Tune(context.Background(), s, evs, o); err == nil {
				t.Error("want an error")
			}
		})
	}
	t.Run("no validation items", func(t *testing.T) {
		one := []recd.Event{{UserID: "a", ItemID: "x"}, {UserID: "b", ItemID: "y"}}
		if _, err := Tune(context.Background(), s, one, fastOptions(2)); err == nil {
			t.Error("want an error when every user has a single item")
		}
	})
}
