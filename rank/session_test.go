package rank

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/recd/recd"
)

// fakeClock is a settable clock for TTL and decay tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func newTestSessions(t *testing.T, keys, acts int, ttl time.Duration) (*Sessions, *fakeClock) {
	t.Helper()
	clk := &fakeClock{t: t0}
	s, err := NewSessions(SessionOptions{MaxKeys: keys, MaxActions: acts, TTL: ttl, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return s, clk
}

func actionItems(as []Action) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.ItemID
	}
	return out
}

func TestSessions_Record(t *testing.T) {
	t.Run("newest first and bounded", func(t *testing.T) {
		s, _ := newTestSessions(t, 10, 3, 0)
		for i, id := range []string{"a", "b", "c", "d"} {
			if err := s.Record("u1", id, "click", t0.Add(time.Duration(i)*time.Second)); err != nil {
				t.Fatal(err)
			}
		}
		if got, want := actionItems(s.Recent("u1", 10)), []string{"d", "c", "b"}; !slices.Equal(got, want) {
			t.Errorf("Recent = %v, want %v", got, want)
		}
		if got := actionItems(s.Recent("u1", 2)); !slices.Equal(got, []string{"d", "c"}) {
			t.Errorf("Recent(2) = %v, want [d c]", got)
		}
	})
	t.Run("out of order kept in time order", func(t *testing.T) {
		s, _ := newTestSessions(t, 10, 3, 0)
		s.Record("u1", "a", "view", t0.Add(3*time.Second))
		s.Record("u1", "b", "view", t0.Add(1*time.Second))
		s.Record("u1", "c", "view", t0.Add(2*time.Second))
		s.Record("u1", "d", "view", t0) // older than a full window: dropped
		s.Record("u1", "e", "view", t0.Add(1500*time.Millisecond))
		if got, want := actionItems(s.Recent("u1", 10)), []string{"a", "c", "e"}; !slices.Equal(got, want) {
			t.Errorf("Recent = %v, want %v", got, want)
		}
	})
	t.Run("keys are separate and LRU-bounded", func(t *testing.T) {
		s, _ := newTestSessions(t, 2, 5, 0)
		s.Record("u1", "a", "view", t0)
		s.Record("s:x", "b", "view", t0)
		s.Recent("u1", 1) // u1 becomes most recently used
		s.Record("u3", "c", "view", t0)
		if s.Len() != 2 {
			t.Errorf("Len = %d, want 2", s.Len())
		}
		if got := s.Recent("s:x", 5); got != nil {
			t.Errorf("evicted key still has %v", got)
		}
		if got := actionItems(s.Recent("u1", 5)); !slices.Equal(got, []string{"a"}) {
			t.Errorf("u1 = %v, want [a]", got)
		}
	})
	t.Run("TTL", func(t *testing.T) {
		s, clk := newTestSessions(t, 10, 10, 30*time.Minute)
		s.Record("u1", "old", "view", t0.Add(-40*time.Minute))
		s.Record("u1", "new", "view", t0.Add(-10*time.Minute))
		if got := actionItems(s.Recent("u1", 5)); !slices.Equal(got, []string{"new"}) {
			t.Errorf("Recent = %v, want [new]", got)
		}
		clk.Advance(25 * time.Minute)
		if got := s.Recent("u1", 5); got != nil {
			t.Errorf("after TTL Recent = %v, want nil", got)
		}
		if s.Len() != 0 {
			t.Errorf("expired key kept: Len = %d", s.Len())
		}
	})
	t.Run("bad input", func(t *testing.T) {
		s, _ := newTestSessions(t, 10, 10, 0)
		if err := s.Record("", "a", "view", t0); !errors.Is(err, recd.ErrInvalid) {
			t.Errorf("empty key: err = %v", err)
		}
		if err := s.Record("u", "", "view", t0); !errors.Is(err, recd.ErrInvalid) {
			t.Errorf("empty item: err = %v", err)
		}
		if _, err := NewSessions(SessionOptions{MaxKeys: 0, MaxActions: 1}); !errors.Is(err, recd.ErrInvalid) {
			t.Errorf("MaxKeys 0: err = %v", err)
		}
	})
	t.Run("concurrent", func(t *testing.T) {
		s, _ := newTestSessions(t, 50, 20, time.Hour)
		var wg sync.WaitGroup
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := 0; i < 200; i++ {
					key := fmt.Sprintf("u%d", (g+i)%60)
					s.Record(key, fmt.Sprintf("i%d", i), "view", t0.Add(time.Duration(i)*time.Second))
					s.Recent(key, 5)
				}
			}(g)
		}
		wg.Wait()
		if s.Len() > 50 {
			t.Errorf("Len = %d beyond MaxKeys 50", s.Len())
		}
		for _, k := range []string{"u0", "u7", "u59"} {
			if got := s.Recent(k, 100); len(got) > 20 {
				t.Errorf("%s holds %d actions beyond MaxActions 20", k, len(got))
			}
		}
	})
}

func TestRecentItems(t *testing.T) {
	acts := []Action{{ItemID: "a"}, {ItemID: "b", Type: recd.EventDislike}, {ItemID: "a"}, {ItemID: "c"}, {ItemID: "d"}}
	if got, want := RecentItems(acts, 2), []string{"a", "c"}; !slices.Equal(got, want) {
		t.Errorf("RecentItems = %v, want %v", got, want)
	}
}

func TestSessionBoost(t *testing.T) {
	t.Run("formula by hand", func(t *testing.T) {
		sims := map[[2]string]float64{{"x", "r1"}: 0.8, {"x", "r2"}: 0.6, {"y", "r1"}: -0.4, {"y", "r2"}: 0}
		sim := func(a, b string) float64 { return sims[[2]string{a, b}] }
		cands := []Candidate{{ID: "y", Score: 0.9}, {ID: "x", Score: 0.5}}
		if err := SessionBoost(cands, []string{"r1", "r2"}, sim, 0.3); err != nil {
			t.Fatal(err)
		}
		// x: 0.7*0.5 + 0.3*(0.8+0.6)/2 = 0.56; y: 0.7*0.9 + 0.3*(-0.4+0)/2 = 0.57.
		if cands[0].ID != "y" || !near(cands[0].Score, 0.57) || !near(cands[1].Score, 0.56) {
			t.Fatalf("got %s=%v %s=%v, want y=0.57 x=0.56", cands[0].ID, cands[0].Score, cands[1].ID, cands[1].Score)
		}
		if len(cands[0].Reasons) != 0 {
			t.Errorf("y, similar to nothing, got reasons %v", cands[0].Reasons)
		}
		if r := cands[1].Reasons; len(r) != 1 || r[0].Type != ReasonSession || !slices.Equal(r[0].Items, []string{"r1", "r2"}) {
			t.Errorf("x reasons = %v, want session{r1,r2}", r)
		}
	})
	t.Run("golden", func(t *testing.T) {
		cands := fixtureCandidates(t)
		// Three thrillers watched: thrillers rise.
		if err := SessionBoost(cands, []string{"m12", "m6", "m5"}, fixtureSim, DefaultSessionWeight); err != nil {
			t.Fatal(err)
		}
		golden(t, "session_boost", format(cands))
	})
	t.Run("no-op", func(t *testing.T) {
		cands := fixtureCandidates(t)
		before := format(cands)
		if err := SessionBoost(cands, nil, fixtureSim, 0.3); err != nil {
			t.Fatal(err)
		}
		if err := SessionBoost(cands, []string{"m1"}, fixtureSim, 0); err != nil {
			t.Fatal(err)
		}
		if got := format(cands); got != before {
			t.Errorf("changed:\n%s", got)
		}
	})
	t.Run("bad input", func(t *testing.T) {
		for _, w := range []float64{-0.1, 1.5} {
			if err := SessionBoost(nil, []string{"a"}, fixtureSim, w); !errors.Is(err, recd.ErrInvalid) {
				t.Errorf("w=%v: err = %v", w, err)
			}
		}
		if err := SessionBoost(nil, []string{"a"}, nil, 0.3); !errors.Is(err, recd.ErrInvalid) {
			t.Errorf("nil sim: err = %v", err)
		}
	})
}
