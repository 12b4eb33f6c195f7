package rank

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/recd/recd"
)

func TestLongTailSet(t *testing.T) {
	counts := map[string]int{"a": 50, "b": 40, "c": 40, "d": 3, "e": 2, "f": 1, "g": 1, "h": 1, "i": 0, "j": 9}
	tail, err := LongTailSet(counts, 0.2) // head = floor(2) = a, then b (tie with c, by id)
	if err != nil {
		t.Fatal(err)
	}
	if tail.HeadSize() != 2 {
		t.Errorf("HeadSize = %d, want 2", tail.HeadSize())
	}
	for id, want := range map[string]bool{"a": false, "b": false, "c": true, "j": true, "unknown": true} {
		if got := tail.Has(id); got != want {
			t.Errorf("Has(%s) = %v, want %v", id, got, want)
		}
	}
	if _, err := LongTailSet(counts, 1.5); !errors.Is(err, recd.ErrInvalid) {
		t.Errorf("share 1.5: err = %v", err)
	}
}

func TestLongTailShare(t *testing.T) {
	t.Run("by hand", func(t *testing.T) {
		mk := func(spec string) []Candidate {
			var cs []Candidate
			for i, ch := range spec {
				cs = append(cs, Candidate{ID: fmt.Sprintf("%c%d", ch, i), LongTail: ch == 'T'})
			}
			return cs
		}
		cands := mk("HHTHHHTT") // n=5 share 0.6 → 3 tail: have 1, promote T6 and T7
		if err := LongTailShare(cands, 5, 0.6); err != nil {
			t.Fatal(err)
		}
		want := []string{"H0", "H1", "T2", "T6", "T7", "H3", "H4", "H5"}
		if got := ids(cands); !slices.Equal(got, want) {
			t.Errorf("order = %v, want %v", got, want)
		}
		if r := cands[3].Reasons; len(r) != 1 || r[0].Type != ReasonLongTail {
			t.Errorf("promoted reasons = %v", r)
		}
		if len(cands[2].Reasons) != 0 {
			t.Errorf("tail item already in place got reasons %v", cands[2].Reasons)
		}
	})
	t.Run("property", func(t *testing.T) {
		for seed := uint64(1); seed <= 50; seed++ {
			for _, share := range []float64{0.1, 0.3, 0.5} {
				base, _ := randomCandidates(seed, 40, 4, 0.1)
				cands := slices.Clone(base)
				const n = 10
				if err := LongTailShare(cands, n, share); err != nil {
					t.Fatal(err)
				}
				need := int(math.Ceil(share*n - 1e-9))
				avail := 0
				for _, c := range base {
					if c.LongTail {
						avail++
					}
				}
				got := 0
				for _, c := range cands[:n] {
					if c.LongTail {
						got++
					}
				}
				if got < min(need, avail) {
					t.Fatalf("seed %d share %v: %d tail in top %d, want >= %d (of %d)", seed, share, got, n, min(need, avail), avail)
				}
				// Relative order of head items and of tail items is unchanged.
				for _, tail := range []bool{false, true} {
					filter := func(cs []Candidate) []string {
						var out []string
						for _, c := range cs {
							if c.LongTail == tail {
								out = append(out, c.ID)
							}
						}
						return out
					}
					if !slices.Equal(filter(cands), filter(base)) {
						t.Fatalf("seed %d share %v: order of tail=%v items changed", seed, share, tail)
					}
				}
			}
		}
	})
	t.Run("golden", func(t *testing.T) {
		cands := fixtureCandidates(t)
		if err := LongTailShare(cands, 6, 0.3); err != nil {
			t.Fatal(err)
		}
		golden(t, "long_tail_share", format(cands))
	})
	t.Run("bad input", func(t *testing.T) {
		if err := LongTailShare(nil, 10, 1.2); !errors.Is(err, recd.ErrInvalid) {
			t.Errorf("share 1.2: err = %v", err)
		}
	})
}

func newTestExposure(t *testing.T) (*Exposure, *fakeClock) {
	t.Helper()
	clk := &fakeClock{t: t0}
	e, err := NewExposure(ExposureOptions{HalfLife: time.Hour, MaxItems: 100, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return e, clk
}

func TestExposure_Count(t *testing.T) {
	e, clk := newTestExposure(t)
	e.Record([]string{"a", "b"})
	e.Record([]string{"a"})
	if got := e.Count("a"); !near(got, 2) {
		t.Errorf("Count(a) = %v, want 2", got)
	}
	clk.Advance(time.Hour)
	e.Record([]string{"b"})
	if got := e.Count("a"); !near(got, 1) {
		t.Errorf("after a half-life Count(a) = %v, want 1", got)
	}
	if got := e.Count("b"); !near(got, 1.5) {
		t.Errorf("Count(b) = %v, want 0.5+1", got)
	}
	if got := e.Count("never"); got != 0 {
		t.Errorf("Count(never) = %v", got)
	}
	t.Run("bounded", func(t *testing.T) {
		e, clk := newTestExposure(t)
		for i := 0; i < 150; i++ {
			e.Record([]string{fmt.Sprint("old", i)})
		}
		clk.Advance(10 * time.Hour) // old counts fall to 1/1024
		for i := 0; i < 60; i++ {
			e.Record([]string{fmt.Sprint("new", i)})
		}
		e.mu.RLock()
		size := len(e.counts)
		e.mu.RUnlock()
		if size > 100 {
			t.Errorf("tracks %d items, want <= MaxItems 100 after decay", size)
		}
	})
	t.Run("concurrent", func(t *testing.T) {
		e, _ := newTestExposure(t)
		var wg sync.WaitGroup
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 100; i++ {
					e.Record([]string{"x", fmt.Sprint(i)})
					ExposureBoost([]Candidate{{ID: "x"}, {ID: "y"}}, e, 0.1)
				}
			}()
		}
		wg.Wait()
		if got := e.Count("x"); !near(got, 400) {
			t.Errorf("Count(x) = %v, want 400", got)
		}
	})
}

func TestExposure_Remove(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	e, err := NewExposure(ExposureOptions{HalfLife: time.Hour, MaxItems: 10, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	e.Record([]string{"a", "b"})
	e.Record([]string{"a"})
	now = now.Add(time.Hour)
	e.Remove("a", 0.5) // one of a's two impressions, as decayed by now
	e.Remove("b", 0.5)
	e.Remove("c", 1) // never shown: nothing to take
	for id, want := range map[string]float64{"a": 0.5, "b": 0, "c": 0} {
		if got := e.Count(id); math.Abs(got-want) > 1e-12 {
			t.Errorf("Count(%s) = %v, want %v", id, got, want)
		}
	}
	if len(e.counts) != 1 {
		t.Errorf("counts kept for %d items, want 1 (b dropped)", len(e.counts))
	}
}

func TestExposureBoost(t *testing.T) {
	e, _ := newTestExposure(t)
	for i := 0; i < 3; i++ {
		e.Record([]string{"a", "b"})
	}
	e.Record([]string{"c"})
	// counts a 3, b 3, c 1, d 0 → mean 7/4; boosts: a,b 0; c 0.1*(1-4/7); d 0.1.
	cands := []Candidate{{ID: "a", Score: 0.5}, {ID: "b", Score: 0.45}, {ID: "c", Score: 0.44}, {ID: "d", Score: 0.4}}
	if err := ExposureBoost(cands, e, 0.1); err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"a": 0.5, "b": 0.45, "c": 0.44 + 0.1*3.0/7, "d": 0.5}
	for _, c := range cands {
		if !near(c.Score, want[c.ID]) {
			t.Errorf("%s = %v, want %v", c.ID, c.Score, want[c.ID])
		}
	}
	if got := ids(cands); !slices.Equal(got, []string{"a", "d", "c", "b"}) {
		t.Errorf("order = %v, want [a d c b]", got)
	}
	if err := ExposureBoost(cands, e, -1); !errors.Is(err, recd.ErrInvalid) {
		t.Errorf("negative strength: err = %v", err)
	}
	if err := ExposureBoost(cands, nil, 0.1); err != nil {
		t.Errorf("nil exposure: %v", err)
	}
}
