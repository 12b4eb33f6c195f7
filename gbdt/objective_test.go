package gbdt

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// TestPointwise_GradientCheck differentiates each pointwise loss numerically: squared error
// w*(s-y)^2/2, logistic w*log(1+exp(-s)) for y = 1 and w*log(1+exp(s)) for y = 0, mixed for a
// fractional label.
func TestPointwise_GradientCheck(t *testing.T) {
	losses := map[Objective]func(s, y, w float64) float64{
		SquaredError: func(s, y, w float64) float64 { return w * (s - y) * (s - y) / 2 },
		Logistic: func(s, y, w float64) float64 {
			return w * (y*math.Log1p(math.Exp(-s)) + (1-y)*math.Log1p(math.Exp(s)))
		},
	}
	rng := rand.New(rand.NewPCG(4, 4))
	for o, loss := range losses {
		for i := 0; i < 200; i++ {
			s, y, w := 3*rng.NormFloat64(), float32(rng.Float64()), float32(0.5+rng.Float64())
			if o == SquaredError {
				y *= 5
			}
			g, h := make([]float64, 1), make([]float64, 1)
			pointwise(o, []float64{s}, []float32{y}, []float32{w}, g, h, 1)
			const eps = 1e-4
			f := func(s float64) float64 { return loss(s, float64(y), float64(w)) }
			numG := (f(s+eps) - f(s-eps)) / (2 * eps)
			numH := (f(s+eps) - 2*f(s) + f(s-eps)) / (eps * eps)
			if math.Abs(g[0]-numG) > 1e-6 || math.Abs(h[0]-numH) > 1e-4 {
				t.Fatalf("%v at s=%v y=%v w=%v: g %v h %v, numeric %v %v", o, s, y, w, g[0], h[0], numG, numH)
			}
		}
	}
}

// TestTrain_SquaredError fits a known function of 3 of 10 features and checks the held-out
// error is a small part of the labels' spread.
func TestTrain_SquaredError(t *testing.T) {
	make := func(seed uint64) *Dataset {
		d := synth(seed, 100, 40, 10, 0)
		for r := range d.Label {
			d.Label[r] = float32(trueScore(d.X[r*10:r*10+10]) + 2)
		}
		return d
	}
	train, test := make(1), make(2)
	p := testParams()
	p.Objective, p.Trees = SquaredError, 200
	m, err := Train(context.Background(), train, nil, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	pred := predictAll(m, test)
	var mean, sse, sst float64
	for _, y := range test.Label {
		mean += float64(y) / float64(test.Rows())
	}
	for r, y := range test.Label {
		sse += (pred[r] - float64(y)) * (pred[r] - float64(y))
		sst += (float64(y) - mean) * (float64(y) - mean)
	}
	if rmse, sd := math.Sqrt(sse/float64(test.Rows())), math.Sqrt(sst/float64(test.Rows())); rmse > 0.1*sd {
		t.Errorf("held-out RMSE %v, labels' deviation %v: want RMSE under a tenth", rmse, sd)
	}
}

// TestTrain_Logistic fits clicks drawn with a known probability and checks the predicted
// probabilities: calibrated on average (closely on the training rows) and a better held-out log
// loss than the click rate alone.
func TestTrain_Logistic(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	make := func(seed uint64) *Dataset {
		d := synth(seed, 200, 40, 10, 0)
		for r := range d.Label {
			p := 1 / (1 + math.Exp(-2*(trueScore(d.X[r*10:r*10+10])-1.5)))
			d.Label[r] = 0
			if rng.Float64() < p {
				d.Label[r] = 1
			}
		}
		return d
	}
	train, test := make(1), make(2)
	p := testParams()
	p.Objective, p.Trees = Logistic, 100
	m, err := Train(context.Background(), train, nil, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	tp := predictAll(m, train)
	trate, tmean := 0.0, 0.0
	for r, y := range train.Label {
		trate += float64(y) / float64(train.Rows())
		tmean += 1 / (1 + math.Exp(-tp[r])) / float64(train.Rows())
	}
	if math.Abs(tmean-trate) > 0.005 {
		t.Errorf("mean predicted probability on the training rows %v, their click rate %v", tmean, trate)
	}
	pred := predictAll(m, test)
	rate, meanP := 0.0, 0.0
	for r, y := range test.Label {
		rate += float64(y) / float64(test.Rows())
		meanP += 1 / (1 + math.Exp(-pred[r])) / float64(test.Rows())
	}
	var model, constant float64
	for r, y := range test.Label {
		pr := 1 / (1 + math.Exp(-pred[r]))
		if y == 1 {
			model, constant = model-math.Log(pr), constant-math.Log(rate)
		} else {
			model, constant = model-math.Log(1-pr), constant-math.Log(1-rate)
		}
	}
	t.Logf("click rate %.3f, mean predicted %.3f; log loss %.4f, constant %.4f", rate, meanP, model/float64(test.Rows()), constant/float64(test.Rows()))
	if math.Abs(meanP-rate) > 0.03 {
		t.Errorf("mean predicted probability %v, click rate %v", meanP, rate)
	}
	if model > 0.8*constant {
		t.Errorf("log loss %v not well below the constant model's %v", model, constant)
	}
	train.Label[0] = 2
	if _, err := Train(context.Background(), train, nil, p, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("a label of 2 under the logistic objective: err = %v, want ErrInvalid", err)
	}
}
