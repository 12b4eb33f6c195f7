package eval

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/recd/recd"
)

func TestUserTimeSplit(t *testing.T) {
	// u4 has items i0..i8 at increasing times: round(0.2 × 9) = 2 latest are held out.
	s, err := UserTimeSplit(splitFixture(), 0.2)
	if err != nil {
		t.Fatal(err)
	}
	// uN has 2N+1 items: u0 keeps its only item, u1 holds out round(0.6) = 1, u2 round(1) = 1,
	// u3 round(1.4) = 1, u4 round(1.8) = 2, always the latest.
	want := "map[u1:[i2] u2:[i4] u3:[i6] u4:[i7 i8]]"
	if got := fmt.Sprint(s.Test); got != want {
		t.Errorf("test = %s, want %s", got, want)
	}
	if got := len(s.Train); got != 25-5 {
		t.Errorf("train = %d events, want 20", got)
	}
	t.Run("each user is cut at their own time", func(t *testing.T) {
		// a is active early and b late; a global cut would hold out only b's items.
		t0 := time.Unix(1000, 0)
		var evs []recd.Event
		for i := 0; i < 5; i++ {
			evs = append(evs, recd.Event{UserID: "a", ItemID: fmt.Sprint("x", i), Timestamp: t0.Add(time.Duration(i) * time.Hour)})
			evs = append(evs, recd.Event{UserID: "b", ItemID: fmt.Sprint("y", i), Timestamp: t0.Add(time.Duration(100+i) * time.Hour)})
		}
		s, _ := UserTimeSplit(evs, 0.2)
		if got := fmt.Sprint(s.Test); got != "map[a:[x4] b:[y4]]" {
			t.Errorf("test = %s, want map[a:[x4] b:[y4]]", got)
		}
	})
	t.Run("an item's first event dates it and all its events go to test", func(t *testing.T) {
		t0 := time.Unix(1000, 0)
		evs := []recd.Event{
			{UserID: "u", ItemID: "late", Timestamp: t0.Add(3 * time.Hour)},
			{UserID: "u", ItemID: "early", Timestamp: t0},
			{UserID: "u", ItemID: "mid", Timestamp: t0.Add(time.Hour)},
			{UserID: "u", ItemID: "early", Timestamp: t0.Add(9 * time.Hour)}, // a repeat: still early
			{UserID: "u", ItemID: "x", Timestamp: t0.Add(2 * time.Hour)},
		}
		s, _ := UserTimeSplit(evs, 0.25)
		if got := fmt.Sprint(s.Test); got != "map[u:[late]]" {
			t.Errorf("test = %s, want map[u:[late]]", got)
		}
		if len(s.Train) != 4 {
			t.Errorf("train = %d events, want 4", len(s.Train))
		}
	})
	t.Run("ties broken by seq then input order, independent of map order", func(t *testing.T) {
		t0 := time.Unix(1000, 0)
		evs := []recd.Event{
			{UserID: "u", ItemID: "b", Timestamp: t0, Seq: 2},
			{UserID: "u", ItemID: "a", Timestamp: t0, Seq: 1},
			{UserID: "u", ItemID: "c", Timestamp: t0, Seq: 2},
		}
		for i := 0; i < 20; i++ {
			s, _ := UserTimeSplit(evs, 0.34)
			if got := fmt.Sprint(s.Test); got != "map[u:[c]]" {
				t.Fatalf("test = %s, want map[u:[c]]", got)
			}
		}
	})
	for _, f := range []float64{0, 1, -0.1} {
		if _, err := UserTimeSplit(splitFixture(), f); err == nil {
			t.Errorf("fraction %v: no error", f)
		}
	}
}

func TestReadSplitFiles_Timestamps(t *testing.T) {
	dir := t.TempDir()
	train, test := dir+"/train.tsv", dir+"/test.tsv"
	writeFile(t, train, "u1\ti1\t1000\nu1\ti2\nu2\ti1\t2000\textra\n")
	writeFile(t, test, "u1\ti3\t3000\n")
	s, err := ReadSplitFiles(train, test)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]int64, len(s.Train))
	for i, e := range s.Train {
		got[i] = e.Timestamp.Unix()
		if e.Timestamp.IsZero() {
			got[i] = 0
		}
	}
	if fmt.Sprint(got) != "[1000 0 2000]" {
		t.Errorf("train timestamps = %v, want [1000 0 2000]", got)
	}
	if fmt.Sprint(s.Test) != "map[u1:[i3]]" {
		t.Errorf("test = %v", s.Test)
	}
	writeFile(t, train, "u1\ti1\tyesterday\n")
	if _, err := ReadSplitFiles(train, test); err == nil {
		t.Error("a timestamp that is not Unix seconds: no error")
	}
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}
