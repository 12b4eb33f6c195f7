package embed

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
)

// linearData makes n rows of x (dim d) and y = x·w + b + noise (dim m), seeded.
func linearData(n, d, m int, noise float64, seed uint64) (x, y [][]float32, w [][]float64, b []float64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	w = make([][]float64, d)
	for j := range w {
		w[j] = make([]float64, m)
		for c := range w[j] {
			w[j][c] = rng.NormFloat64()
		}
	}
	b = make([]float64, m)
	for c := range b {
		b[c] = rng.NormFloat64()
	}
	for range n {
		xr := make([]float32, d)
		for j := range xr {
			xr[j] = float32(rng.NormFloat64())
		}
		yr := make([]float32, m)
		for c := range yr {
			v := b[c] + noise*rng.NormFloat64()
			for j := range xr {
				v += float64(xr[j]) * w[j][c]
			}
			yr[c] = float32(v)
		}
		x, y = append(x, xr), append(y, yr)
	}
	return x, y, w, b
}

func TestFitProjection(t *testing.T) {
	x, y, w, b := linearData(400, 12, 5, 0.01, 3)
	t.Run("recovers a linear map", func(t *testing.T) {
		p, err := FitProjection(x, y, 1e-6)
		if err != nil {
			t.Fatal(err)
		}
		if p.In() != 12 || p.Out() != 5 {
			t.Fatalf("shape %d->%d, want 12->5", p.In(), p.Out())
		}
		probe := make([]float32, 12)
		probe[4] = 1
		got, err := p.Project(probe)
		if err != nil {
			t.Fatal(err)
		}
		for c := range 5 {
			if want := b[c] + w[4][c]; math.Abs(float64(got[c])-want) > 0.01 {
				t.Errorf("Project(e4)[%d] = %v, want %v", c, got[c], want)
			}
		}
	})
	t.Run("lambda shrinks towards the mean", func(t *testing.T) {
		small, _ := FitProjection(x, y, 0.1)
		big, _ := FitProjection(x, y, 1e7)
		mean := colMeans(y)
		dist := func(p *Projection) float64 {
			v, _ := p.Project(x[0])
			var s float64
			for c := range v {
				s += (float64(v[c]) - mean[c]) * (float64(v[c]) - mean[c])
			}
			return math.Sqrt(s)
		}
		if ds, db := dist(small), dist(big); db > ds/100 {
			t.Errorf("distance to the mean: %v at lambda 1e7, %v at 0.1; want the first far smaller", db, ds)
		}
	})
	t.Run("collinear without ridge", func(t *testing.T) {
		xx := [][]float32{{1, 2}, {2, 4}, {3, 6}}
		yy := [][]float32{{1}, {2}, {3}}
		if _, err := FitProjection(xx, yy, 0); !errors.Is(err, recd.ErrUnprocessable) {
			t.Errorf("lambda 0 err = %v, want ErrUnprocessable", err)
		}
		p, err := FitProjection(xx, yy, 0.1)
		if err != nil {
			t.Fatalf("lambda 0.1: %v", err)
		}
		if got, _ := p.Project([]float32{4, 8}); math.Abs(float64(got[0])-4) > 0.1 {
			t.Errorf("Project([4 8]) = %v, want about 4", got)
		}
	})
	bad := map[string]struct {
		x, y   [][]float32
		lambda float64
	}{
		"no rows":         {nil, nil, 1},
		"row count":       {[][]float32{{1}, {2}}, [][]float32{{1}}, 1},
		"ragged":          {[][]float32{{1, 2}, {2}}, [][]float32{{1}, {2}}, 1},
		"NaN":             {[][]float32{{1}, {float32(math.NaN())}}, [][]float32{{1}, {2}}, 1},
		"Inf target":      {[][]float32{{1}, {2}}, [][]float32{{1}, {float32(math.Inf(1))}}, 1},
		"negative lambda": {[][]float32{{1}, {2}}, [][]float32{{1}, {2}}, -1},
	}
	for name, tt := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := FitProjection(tt.x, tt.y, tt.lambda); !errors.Is(err, recd.ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestProjection_Project(t *testing.T) {
	all, ally, _, _ := linearData(60, 4, 3, 0.1, 5)
	x, y, xt, yt := all[:40], ally[:40], all[40:], ally[40:]
	p, err := FitProjection(x, y, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Project([]float32{1, 2}); !errors.Is(err, index.ErrDimensionMismatch) {
		t.Errorf("short vector err = %v, want ErrDimensionMismatch", err)
	}
	// The error on held-out rows is near the noise level.
	var mse float64
	for i := range xt {
		got, _ := p.Project(xt[i])
		for c := range got {
			mse += math.Pow(float64(got[c]-yt[i][c]), 2)
		}
	}
	if mse /= float64(len(xt) * 3); mse > 0.05 {
		t.Errorf("mean squared error %v, want <= 0.05 (noise variance 0.01)", mse)
	}
}

func TestProjection_MarshalBinary(t *testing.T) {
	x, y, _, _ := linearData(100, 16, 8, 0.1, 9)
	p, err := FitProjection(x, y, 2)
	if err != nil {
		t.Fatal(err)
	}
	data, err := p.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var got Projection
	if err := got.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	a, _ := p.Project(x[7])
	b, _ := got.Project(x[7])
	if !slices.Equal(a, b) || got.Lambda() != 2 {
		t.Errorf("decoded projection differs")
	}
	checkCorrupt(t, data, func(b []byte) error { var x Projection; return x.UnmarshalBinary(b) })
}
