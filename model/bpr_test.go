package model

import (
	"context"
	"encoding"
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/recd/recd"
)

func facSmallBPR(t *testing.T, mod func(*BPROptions)) (*BPR, *Dataset) {
	t.Helper()
	d := facTestDataset(1, 60, 40, 12)
	o := DefaultBPROptions()
	o.Factors, o.Epochs = 8, 30
	if mod != nil {
		mod(&o)
	}
	m := NewBPR(o)
	if err := m.Fit(context.Background(), d); err != nil {
		t.Fatalf("fit: %v", err)
	}
	return m, d
}

func TestBPR_Fit(t *testing.T) {
	t.Run("deterministic for a seed and any worker count", func(t *testing.T) {
		a, _ := facSmallBPR(t, func(o *BPROptions) { o.Workers = 1 })
		b, _ := facSmallBPR(t, func(o *BPROptions) { o.Workers = 4 })
		if !slices.Equal(a.UserFactors().Data, b.UserFactors().Data) ||
			!slices.Equal(a.ItemFactors().Data, b.ItemFactors().Data) ||
			!slices.Equal(a.ItemBias(), b.ItemBias()) {
			t.Fatal("two fits with one seed differ")
		}
		c, _ := facSmallBPR(t, func(o *BPROptions) { o.Seed = 9 })
		if slices.Equal(a.ItemFactors().Data, c.ItemFactors().Data) {
			t.Fatal("a different seed gave identical factors")
		}
	})
	t.Run("loss falls and positives outrank negatives", func(t *testing.T) {
		var losses []float64
		m, d := facSmallBPR(t, func(o *BPROptions) {
			o.Progress = func(_ int, loss float64, _ time.Duration) { losses = append(losses, loss) }
		})
		if len(losses) != 30 {
			t.Fatalf("%d progress calls, want 30", len(losses))
		}
		if !(losses[len(losses)-1] < 0.8*losses[0]) {
			t.Fatalf("loss went from %.4f to %.4f", losses[0], losses[len(losses)-1])
		}
		// The trained AUC: how often a user's positive outscores one of their negatives.
		dst := make([]float32, d.NumItems())
		var good, total int
		for u := 0; u < d.NumUsers(); u++ {
			items, weights := d.UserRow(u)
			m.Score(u, items, weights, dst)
			for j := 0; j < d.NumItems(); j++ {
				if _, pos := slices.BinarySearch(items, int32(j)); pos {
					continue
				}
				for _, i := range items {
					total++
					if dst[i] > dst[j] {
						good++
					}
				}
			}
		}
		if auc := float64(good) / float64(total); auc < 0.8 {
			t.Fatalf("training AUC %.3f, want >= 0.8", auc)
		}
	})
	t.Run("bad options and data", func(t *testing.T) {
		d := facTestDataset(1, 5, 5, 4)
		for name, mod := range map[string]func(*BPROptions){
			"factors":       func(o *BPROptions) { o.Factors = -1 },
			"learning_rate": func(o *BPROptions) { o.LearningRate = 0 },
			"lambda":        func(o *BPROptions) { o.Lambda = math.Inf(1) },
		} {
			o := DefaultBPROptions()
			mod(&o)
			var fe *recd.FieldError
			err := NewBPR(o).Fit(context.Background(), d)
			if !errors.As(err, &fe) || fe.Field != name {
				t.Errorf("%s: got %v, want a field error on %s", name, err, name)
			}
		}
		if err := NewBPR(DefaultBPROptions()).Fit(context.Background(), nil); err == nil {
			t.Error("nil dataset: no error")
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := NewBPR(DefaultBPROptions()).Fit(ctx, facTestDataset(1, 20, 20, 5))
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	})
}

func TestBPR_Score(t *testing.T) {
	m, d := facSmallBPR(t, nil)
	want := func(u []float32, i int) float32 {
		s := m.ItemBias()[i]
		for p, v := range u {
			s += v * m.ItemFactors().Row(i)[p]
		}
		return s
	}
	check := func(t *testing.T, u, got []float32) {
		t.Helper()
		for i, v := range got {
			if math.Abs(float64(v-want(u, i))) > 1e-5 {
				t.Fatalf("item %d: got %g, want %g", i, v, want(u, i))
			}
		}
	}
	dst := make([]float32, d.NumItems())
	items, weights := d.UserRow(3)
	t.Run("unchanged history uses the trained vector", func(t *testing.T) {
		m.Score(3, items, weights, dst)
		check(t, m.UserFactors().Row(3), dst)
	})
	t.Run("unknown user is folded in", func(t *testing.T) {
		m.Score(-1, items, weights, dst)
		check(t, m.FoldIn(items, weights), dst)
	})
	t.Run("fold-in lifts the history's items above the bias-only ranking", func(t *testing.T) {
		// Five mid-popularity items: folding them in must improve their mean rank over the
		// ranking of a zero user vector (item biases only).
		byPop := make([]int32, d.NumItems())
		for i := range byPop {
			byPop[i] = int32(i)
		}
		slices.SortStableFunc(byPop, func(a, b int32) int { return int(d.ItemCount[b] - d.ItemCount[a]) })
		hist := slices.Clone(byPop[10:15])
		slices.Sort(hist)
		meanRank := func(scores []float32) float64 {
			r := 0.0
			for _, i := range hist {
				for _, v := range scores {
					if v > scores[i] {
						r++
					}
				}
			}
			return r / float64(len(hist))
		}
		m.Score(-1, hist, nil, dst)
		folded := meanRank(dst)
		biasOnly := meanRank(m.ItemBias())
		if folded >= biasOnly {
			t.Fatalf("mean rank of the history %.1f after fold-in, %.1f by bias alone", folded, biasOnly)
		}
	})
	t.Run("fold-in is deterministic and ignores bad entries", func(t *testing.T) {
		a := m.FoldIn([]int32{2, 5}, []float32{1, 1})
		b := m.FoldIn([]int32{5, -4, 2, 77}, []float32{1, 1, 1, 1})
		if !slices.Equal(a, b) {
			t.Fatalf("got %v and %v", a, b)
		}
		if z := m.FoldIn(nil, nil); slices.ContainsFunc(z, func(v float32) bool { return v != 0 }) {
			t.Fatalf("empty history: %v", z)
		}
	})
	t.Run("concurrent scoring", func(t *testing.T) {
		facCheckConcurrentScore(t, m, d)
	})
	t.Run("untrained model scores zero", func(t *testing.T) {
		out := []float32{1, 2}
		NewBPR(DefaultBPROptions()).Score(-1, []int32{0}, nil, out)
		if out[0] != 0 || out[1] != 0 {
			t.Fatalf("got %v", out)
		}
	})
}

func TestBPR_MarshalBinary(t *testing.T) {
	m, d := facSmallBPR(t, nil)
	blob, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var got BPR
	if err := got.UnmarshalBinary(blob); err != nil {
		t.Fatal(err)
	}
	if got.Options().Epochs != 30 || !slices.Equal(got.ItemBias(), m.ItemBias()) ||
		!slices.Equal(got.ItemFactors().Data, m.ItemFactors().Data) ||
		!slices.Equal(got.UserFactors().Data, m.UserFactors().Data) ||
		!slices.Equal(got.ItemVectors().Data, m.ItemVectors().Data) {
		t.Fatal("decoded model differs")
	}
	items, weights := d.UserRow(1)
	want, have := make([]float32, d.NumItems()), make([]float32, d.NumItems())
	m.Score(-1, items, weights, want)
	got.Score(1, items, weights, have)
	if !slices.Equal(want, have) {
		t.Fatal("decoded model scores differently")
	}
	facCheckCodec(t, blob, func() encoding.BinaryUnmarshaler { return NewBPR(DefaultBPROptions()) })
	var a ALS
	if err := a.UnmarshalBinary(blob); err == nil {
		t.Fatal("ALS accepted a BPR blob")
	}
}

func BenchmarkBPR_Fit_MLSmall(b *testing.B) {
	d := facLoadMLFull(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := NewBPR(DefaultBPROptions()).Fit(context.Background(), d); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBPR_FoldIn(b *testing.B) {
	d := facLoadMLFull(b)
	m := NewBPR(DefaultBPROptions())
	if err := m.Fit(context.Background(), d); err != nil {
		b.Fatal(err)
	}
	items, weights := d.UserRow(10)
	dst := make([]float32, m.Options().Factors)
	b.Logf("history of %d items", len(items))
	b.ReportAllocs()
	for b.Loop() {
		m.FoldInTo(dst, items, weights)
	}
}
