package main

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestHist_Quantile(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var h hist
	var all []time.Duration
	for i := 0; i < 20000; i++ {
		d := time.Duration(rng.ExpFloat64()*3000) * time.Microsecond // mean 3 ms
		h.record(d)
		all = append(all, d)
	}
	slices.Sort(all)
	for _, q := range []float64{0.5, 0.95, 0.99, 1} {
		exact := all[int(q*float64(len(all)-1)+0.5)]
		got := h.quantile(q)
		lo, hi := float64(exact)*0.98-float64(time.Microsecond), float64(exact)*1.02+float64(time.Microsecond)
		if float64(got) < lo || float64(got) > hi {
			t.Errorf("quantile(%g) = %v, exact %v", q, got, exact)
		}
	}
	if h.quantile(1) != all[len(all)-1] {
		t.Errorf("max = %v, want %v", h.quantile(1), all[len(all)-1])
	}
}

func TestHistIndex_Monotonic(t *testing.T) {
	prev := -1
	for us := uint64(0); us < 1<<22; us += 1 + us/200 {
		i := histIndex(us)
		if i < prev {
			t.Fatalf("index(%d) = %d < %d", us, i, prev)
		}
		if up := histUpper(i); up < us {
			t.Fatalf("upper(%d) = %d < value %d", i, up, us)
		}
		prev = i
	}
}
