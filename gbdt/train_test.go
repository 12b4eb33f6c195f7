package gbdt

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func testParams() Params {
	p := DefaultParams()
	p.Trees = 60
	p.EarlyStop = 0
	p.Seed = 42
	return p
}

func predictAll(m *Model, d *Dataset) []float64 {
	out := make([]float64, d.Rows())
	m.PredictRows(d.X, out)
	return out
}

// TestTrainLambdaMART_RecoversKnownOrder trains on a set whose grades follow a known function
// of 3 of 10 features and checks, on held-out groups, that the model orders nearly as well as
// the true function, far better than a random order, and that the importance names the 3.
func TestTrainLambdaMART_RecoversKnownOrder(t *testing.T) {
	train, valid, test := synth(1, 400, 40, 10, 0.3), synth(2, 100, 40, 10, 0.3), synth(3, 300, 40, 10, 0.3)
	m, err := TrainLambdaMART(context.Background(), train, valid, testParams(), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := meanNDCG(test, predictAll(m, test), 10)
	oracle := make([]float64, test.Rows())
	random := make([]float64, test.Rows())
	rng := rand.New(rand.NewPCG(9, 9))
	for r := range oracle {
		oracle[r] = trueScore(test.X[r*10 : r*10+10])
		random[r] = rng.Float64()
	}
	best, rand := meanNDCG(test, oracle, 10), meanNDCG(test, random, 10)
	t.Logf("held-out NDCG@10: model %.4f, true function %.4f, random %.4f; %d trees", got, best, rand, m.NumTrees())
	if got < 0.95*best {
		t.Errorf("model NDCG@10 %.4f < 0.95 x the true function's %.4f", got, best)
	}
	if got < rand+0.3 {
		t.Errorf("model NDCG@10 %.4f not far above random %.4f", got, rand)
	}
	imp := m.Importance()
	order := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	slices.SortFunc(order, func(a, b int) int { return cmpFloat(imp[b], imp[a]) })
	top := slices.Sorted(slices.Values(order[:3]))
	if !slices.Equal(top, []int{0, 1, 2}) {
		t.Errorf("top 3 features by importance %v (importance %v), want [0 1 2]", order[:3], imp)
	}
}

// TestTrainLambdaMART_Deterministic: the same seed gives the same bytes whatever the number of
// workers; another seed, with sampling on, another model.
func TestTrainLambdaMART_Deterministic(t *testing.T) {
	train, valid := synth(1, 150, 30, 8, 0.5), synth(2, 50, 30, 8, 0.5)
	p := testParams()
	p.Trees, p.RowSample, p.FeatureSample = 20, 0.7, 0.6
	encode := func(p Params) []byte {
		m, err := TrainLambdaMART(context.Background(), train, valid, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	p.Workers = 1
	one := encode(p)
	p.Workers = 2
	two := encode(p)
	p.Workers = 5
	five := encode(p)
	if !bytes.Equal(one, two) || !bytes.Equal(one, five) {
		t.Fatal("Workers 1, 2 and 5 gave different models")
	}
	if again := encode(p); !bytes.Equal(one, again) {
		t.Fatal("the same seed gave a different model")
	}
	p.Seed++
	if other := encode(p); bytes.Equal(one, other) {
		t.Fatal("another seed gave the same model although rows and features are sampled")
	}
}

// TestTrainLambdaMART_EarlyStopping overfits a small noisy set and checks that training stops
// EarlyStop rounds after the best validation round and keeps exactly the best round's trees.
func TestTrainLambdaMART_EarlyStopping(t *testing.T) {
	train, valid := synth(5, 30, 20, 10, 1.5), synth(6, 100, 20, 10, 1.5)
	p := testParams()
	p.Trees, p.EarlyStop, p.LearningRate, p.MinLeafRows, p.MaxLeaves = 500, 10, 0.5, 1, 64
	rounds := 0
	m, err := TrainLambdaMART(context.Background(), train, valid, p, func(round int, tr, v float64) { rounds = round })
	if err != nil {
		t.Fatal(err)
	}
	curve := m.Curve()
	best := 0
	for i, v := range curve {
		if v > curve[best] {
			best = i
		}
	}
	if rounds >= p.Trees || len(curve) != rounds {
		t.Fatalf("ran %d rounds, curve of %d; want an early stop before %d", rounds, len(curve), p.Trees)
	}
	if rounds != best+1+p.EarlyStop {
		t.Errorf("stopped after round %d, best round %d: want best + EarlyStop", rounds, best+1)
	}
	if m.NumTrees() != best+1 {
		t.Errorf("kept %d trees, best round %d", m.NumTrees(), best+1)
	}
	if got := meanNDCG(valid, predictAll(m, valid), p.NDCGAt); math.Abs(got-curve[best]) > 1e-9 {
		t.Errorf("kept model's validation NDCG %v, curve's best %v", got, curve[best])
	}
}

// TestTrainLambdaMART_ProgressMatchesPredict: the training NDCG progress reports is the NDCG of
// what PredictRows scores, so the trainer's binned scores and the model agree.
func TestTrainLambdaMART_ProgressMatchesPredict(t *testing.T) {
	train := synth(7, 100, 30, 6, 0.5)
	p := testParams()
	p.Trees = 15
	var last, first float64
	m, err := TrainLambdaMART(context.Background(), train, nil, p, func(round int, tr, v float64) {
		if !math.IsNaN(v) {
			t.Errorf("round %d: validation NDCG %v without a validation set", round, v)
		}
		if round == 1 {
			first = tr
		}
		last = tr
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := meanNDCG(train, predictAll(m, train), p.NDCGAt); math.Abs(got-last) > 1e-12 {
		t.Errorf("last progress train NDCG %v, PredictRows gives %v", last, got)
	}
	if !(last > first) {
		t.Errorf("train NDCG did not rise: round 1 %v, last %v", first, last)
	}
	if c := m.Curve(); len(c) != p.Trees || c[len(c)-1] != last {
		t.Errorf("curve %v, want %d training NDCGs ending in %v", c, p.Trees, last)
	}
}

// TestTrainLambdaMART_MissingValuesLearnDirection: missing values of the only informative
// feature go with the rows they resemble: to the high side when they are the most relevant
// rows, to the low side when they are irrelevant.
func TestTrainLambdaMART_MissingValuesLearnDirection(t *testing.T) {
	for _, missingGrade := range []float32{2, 0} {
		rng := rand.New(rand.NewPCG(3, 3))
		d := &Dataset{NumFeatures: 2}
		for q := 0; q < 200; q++ {
			for i := 0; i < 20; i++ {
				x := rng.Float32()
				grade := float32(0)
				if x > 0.7 {
					grade = 1
				}
				if rng.Float64() < 0.1 {
					x, grade = float32(math.NaN()), missingGrade
				}
				d.X = append(d.X, x, rng.Float32())
				d.Label = append(d.Label, grade)
			}
			d.Group = append(d.Group, 20)
		}
		m, err := TrainLambdaMART(context.Background(), d, nil, testParams(), nil)
		if err != nil {
			t.Fatal(err)
		}
		// 1 is above every value seen, 0 below: a missing value that always went right would
		// share every leaf with 1, one that always went left every leaf with 0.
		nan, high, low := m.Predict([]float32{float32(math.NaN()), 0.5}), m.Predict([]float32{1, 0.5}), m.Predict([]float32{0, 0.5})
		if missingGrade == 2 && !(nan > high && high > low) {
			t.Errorf("missing values most relevant: scores NaN %v, high %v, low %v; want NaN > high > low", nan, high, low)
		}
		if missingGrade == 0 && !(high > low && high-nan > 0.5*(high-low)) {
			t.Errorf("missing values irrelevant: scores NaN %v, high %v, low %v; want NaN nearer low than high", nan, high, low)
		}
	}
}

// TestModel_ContributionsSumToPrediction checks bias + sum(contributions) == Predict on
// held-out rows, missing values included, and that the noise features get little credit.
func TestModel_ContributionsSumToPrediction(t *testing.T) {
	train, test := synth(1, 200, 30, 10, 0.3), synth(4, 20, 30, 10, 0.3)
	m, err := TrainLambdaMART(context.Background(), train, nil, testParams(), nil)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float64, 10)
	var signal, noise float64
	for r := 0; r < test.Rows(); r++ {
		row := test.X[r*10 : r*10+10]
		bias := m.Contributions(row, out)
		sum := bias
		for f, c := range out {
			sum += c
			if f < 3 {
				signal += math.Abs(c)
			} else {
				noise += math.Abs(c)
			}
		}
		if want := m.Predict(row); math.Abs(sum-want) > 1e-9*(1+math.Abs(want)) {
			t.Fatalf("row %d: bias + contributions = %v, Predict = %v", r, sum, want)
		}
	}
	if noise > signal/3 {
		t.Errorf("7 noise features got %v of credit, the 3 true ones %v", noise, signal)
	}
}

func TestTrainLambdaMART_Cancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := TrainLambdaMART(ctx, synth(1, 20, 10, 4, 0.3), nil, testParams(), nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// TestTrainLambdaMART_BadInput: every bad parameter or data set is refused naming the field.
func TestTrainLambdaMART_BadInput(t *testing.T) {
	good := func() *Dataset { return synth(1, 10, 10, 4, 0.3) }
	cases := []struct {
		name  string
		edit  func(p *Params, d, v *Dataset)
		field string
	}{
		{"trees", func(p *Params, d, v *Dataset) { p.Trees = 0 }, "Params.Trees"},
		{"depth", func(p *Params, d, v *Dataset) { p.MaxDepth = 11 }, "Params.MaxDepth"},
		{"bins", func(p *Params, d, v *Dataset) { p.Bins = 256 }, "Params.Bins"},
		{"rate", func(p *Params, d, v *Dataset) { p.LearningRate = math.NaN() }, "Params.LearningRate"},
		{"rowsample", func(p *Params, d, v *Dataset) { p.RowSample = 0 }, "Params.RowSample"},
		{"l2", func(p *Params, d, v *Dataset) { p.L2 = -1 }, "Params.L2"},
		{"x", func(p *Params, d, v *Dataset) { d.X = d.X[1:] }, "train.X"},
		{"group", func(p *Params, d, v *Dataset) { d.Group[0]++ }, "train.Group"},
		{"zero group", func(p *Params, d, v *Dataset) { d.Group = append(d.Group, 0) }, "train.Group"},
		{"label", func(p *Params, d, v *Dataset) { d.Label[3] = float32(math.NaN()) }, "train.Label"},
		{"label high", func(p *Params, d, v *Dataset) { d.Label[3] = 32 }, "train.Label"},
		{"weight", func(p *Params, d, v *Dataset) { d.Weight = make([]float32, 3) }, "train.Weight"},
		{"negative weight", func(p *Params, d, v *Dataset) {
			d.Weight = make([]float32, d.Rows())
			d.Weight[0] = -1
		}, "train.Weight"},
		{"names", func(p *Params, d, v *Dataset) { d.Names = []string{"a"} }, "train.Names"},
		{"valid features", func(p *Params, d, v *Dataset) { v.NumFeatures, v.X = 2, v.X[:2*v.Rows()] }, "valid.NumFeatures"},
		{"no signal", func(p *Params, d, v *Dataset) { clear(d.Label) }, "no query group"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, d, v := testParams(), good(), good()
			c.edit(&p, d, v)
			_, err := TrainLambdaMART(context.Background(), d, v, p, nil)
			if !errors.Is(err, ErrInvalid) || !bytes.Contains([]byte(err.Error()), []byte(c.field)) {
				t.Fatalf("err = %v, want ErrInvalid naming %s", err, c.field)
			}
		})
	}
}
