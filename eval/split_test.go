package eval

import (
	"fmt"
	"testing"
	"time"

	"github.com/recd/recd"
)

// fixture: user uN has N+1 items, one event each, at increasing times.
func splitFixture() []recd.Event {
	var evs []recd.Event
	t0 := time.Unix(1000, 0)
	n := 0
	for u := 0; u < 5; u++ {
		for i := 0; i <= u*2; i++ {
			evs = append(evs, recd.Event{UserID: fmt.Sprintf("u%d", u), ItemID: fmt.Sprintf("i%d", i),
				Type: recd.EventClick, Timestamp: t0.Add(time.Duration(n) * time.Minute)})
			n++
		}
	}
	return evs
}

func TestRandomSplit(t *testing.T) {
	evs := splitFixture()
	s, err := RandomSplit(evs, 0.2, 42)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("per-user fraction and no leak", func(t *testing.T) {
		train := map[pairKey]bool{}
		perUser := map[string]int{}
		for _, e := range s.Train {
			train[pairKey{e.UserID, e.ItemID}] = true
			perUser[e.UserID]++
		}
		for u, n := range map[string]int{"u0": 0, "u1": 1, "u2": 1, "u3": 1, "u4": 2} { // round(0.2·{1,3,5,7,9})
			if got := len(s.Test[u]); got != n {
				t.Errorf("%s: %d test items, want %d", u, got, n)
			}
			if perUser[u] == 0 {
				t.Errorf("%s has no training items", u)
			}
			for _, it := range s.Test[u] {
				if train[pairKey{u, it}] {
					t.Errorf("%s/%s in both train and test", u, it)
				}
			}
		}
		if got, want := len(s.Train)+s.NumTest(), len(evs); got != want {
			t.Errorf("train+test = %d, want %d", got, want)
		}
	})
	t.Run("deterministic and order independent", func(t *testing.T) {
		rev := make([]recd.Event, len(evs))
		for i := range evs {
			rev[len(evs)-1-i] = evs[i]
		}
		s2, _ := RandomSplit(rev, 0.2, 42)
		if fmt.Sprint(s2.Test) != fmt.Sprint(s.Test) {
			t.Errorf("reordered input changed the split: %v vs %v", s2.Test, s.Test)
		}
		s3, _ := RandomSplit(evs, 0.5, 7)
		s4, _ := RandomSplit(evs, 0.5, 8)
		if fmt.Sprint(s3.Test) == fmt.Sprint(s4.Test) {
			t.Errorf("seeds 7 and 8 gave the same split %v", s3.Test)
		}
	})
	t.Run("bad fraction", func(t *testing.T) {
		for _, f := range []float64{0, 1, -0.1, 2} {
			if _, err := RandomSplit(evs, f, 1); err == nil {
				t.Errorf("fraction %v accepted", f)
			}
		}
	})
}

func TestTemporalSplit(t *testing.T) {
	evs := splitFixture() // 25 events in time order; the last 5 are u4's items i4..i8
	s, err := TemporalSplit(evs, 0.2)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Train) != 20 {
		t.Fatalf("train = %d events, want 20", len(s.Train))
	}
	want := "map[u4:[i4 i5 i6 i7 i8]]"
	if got := fmt.Sprint(s.Test); got != want {
		t.Errorf("test = %s, want %s", got, want)
	}
	t.Run("drops repeats and users unseen before the cut", func(t *testing.T) {
		late := time.Unix(1e6, 0)
		evs := append(splitFixture(),
			recd.Event{UserID: "u1", ItemID: "i0", Timestamp: late},        // repeat of a training pair
			recd.Event{UserID: "new", ItemID: "i0", Timestamp: late},       // user with no training events
			recd.Event{UserID: "u1", ItemID: "i9", Timestamp: late.Add(1)}) // new pair: kept
		s, _ := TemporalSplit(evs, 3.0/28)
		if got := fmt.Sprint(s.Test); got != "map[u1:[i9]]" {
			t.Errorf("test = %s, want map[u1:[i9]]", got)
		}
	})
}

func TestLeaveLastOut(t *testing.T) {
	s, err := LeaveLastOut(splitFixture())
	if err != nil {
		t.Fatal(err)
	}
	want := "map[u1:[i2] u2:[i4] u3:[i6] u4:[i8]]" // u0 has a single item and stays in train
	if got := fmt.Sprint(s.Test); got != want {
		t.Errorf("test = %s, want %s", got, want)
	}
	if len(s.Train) != 25-4 {
		t.Errorf("train = %d events, want 21", len(s.Train))
	}
}
