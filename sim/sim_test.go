package sim_test

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/recd/recd/client"
	"github.com/recd/recd/dataset"
	"github.com/recd/recd/examples"
	"github.com/recd/recd/sim"
)

func TestNewSplit_SeededAndDisjoint(t *testing.T) {
	data, err := dataset.ReadMovieLensFS(examples.MovieLensSmall())
	if err != nil {
		t.Fatal(err)
	}
	o := sim.DefaultSplitOptions()
	o.MaxItems = 1500
	a, err := sim.NewSplit(data, o)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := sim.NewSplit(data, o)
	o.Seed = 2
	c, _ := sim.NewSplit(data, o)
	if !slices.Equal(a.Users, b.Users) || len(a.Train) != len(b.Train) {
		t.Fatalf("same seed, different splits: %d/%d users, %d/%d events", len(a.Users), len(b.Users), len(a.Train), len(b.Train))
	}
	if len(a.Users) < 300 {
		t.Fatalf("only %d users have a held-out set; the simulation wants a few hundred", len(a.Users))
	}
	inTrain := map[[2]string]bool{}
	for _, e := range a.Train {
		inTrain[[2]string{e.UserID, e.ItemID}] = true
	}
	same, total := 0, 0
	for _, u := range a.Users {
		for _, it := range a.Items {
			if !a.HeldOut(u, it.ID) {
				continue
			}
			total++
			if inTrain[[2]string{u, it.ID}] {
				t.Fatalf("user %s item %s is held out and in the training part", u, it.ID)
			}
			if c.HeldOut(u, it.ID) {
				same++
			}
		}
	}
	if total == 0 || same == total {
		t.Fatalf("another seed held out the same %d of %d items", same, total)
	}
	if got, want := a.Draw(50, 7), b.Draw(50, 7); !slices.Equal(got, want) {
		t.Fatalf("Draw is not seeded: %v vs %v", got[:3], want[:3])
	}
	if got, other := a.Draw(50, 7), a.Draw(50, 8); slices.Equal(got, other) {
		t.Fatal("Draw gives the same users for two seeds")
	}
}

func TestClickModel_UserActivity(t *testing.T) {
	m := sim.DefaultClickModel()
	m.Activity = 0
	if a := m.UserActivity(rand.NewPCG(1, 1)); a != 1 {
		t.Fatalf("activity 0 gives multiplier %g, want 1", a)
	}
	m.Activity = 2
	src := rand.NewPCG(3, 4)
	const n = 20000
	var sum, sq float64
	for range n {
		a := m.UserActivity(src)
		sum += a
		sq += a * a
	}
	mean := sum / n
	variance := sq/n - mean*mean
	if math.Abs(mean-1) > 0.03 || math.Abs(variance-0.5) > 0.05 {
		t.Fatalf("Gamma(2, 2) draws: mean %.3f, variance %.3f; want 1 and 0.5", mean, variance)
	}
}

func TestClickModel_Clicks(t *testing.T) {
	m := sim.DefaultClickModel()
	rng := rand.New(rand.NewPCG(1, 2))
	const lists = 20000
	var relevant, irrelevant [10]int
	for range lists {
		for _, p := range m.Clicks(rng, 1, 10, func(int) bool { return true }) {
			relevant[p]++
		}
		for _, p := range m.Clicks(rng, 1, 10, func(int) bool { return false }) {
			irrelevant[p]++
		}
	}
	for _, p := range []int{0, 4, 9} {
		for _, c := range []struct {
			got  int
			want float64
		}{{relevant[p], m.ClickProb(p, true)}, {irrelevant[p], m.ClickProb(p, false)}} {
			got := float64(c.got) / lists
			sd := math.Sqrt(c.want * (1 - c.want) / lists)
			if math.Abs(got-c.want) > 5*sd {
				t.Errorf("position %d: click rate %.4f, want %.4f (±%.4f)", p, got, c.want, 5*sd)
			}
		}
	}
	if m.Examine(0) != 1 || !(m.Examine(1) < 1) || !(m.Examine(9) < m.Examine(1)) {
		t.Fatalf("examination does not fall with the position: %v %v %v", m.Examine(0), m.Examine(1), m.Examine(9))
	}
}

// TestRunner_ClicksAreAttributedAsSent runs users against a live server and checks that the
// server stored each click with the list and position the simulator sent, and no other.
func TestRunner_ClicksAreAttributedAsSent(t *testing.T) {
	s := testSplit(t)
	url := liveServer(t, s)
	o := sim.DefaultOptions()
	o.Seed = 3
	r, err := sim.NewRunner(s, []string{url}, "", o)
	if err != nil {
		t.Fatal(err)
	}
	users := s.Draw(40, 3)
	tally, err := r.Run(context.Background(), users, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v := tally.Variants[""]; v == nil || v.Users != len(users) || v.Lists != len(users)*o.Visits || v.Clicks == 0 {
		t.Fatalf("tally = %+v, want %d users, %d lists and some clicks", v, len(users), len(users)*o.Visits)
	}
	c, err := client.New(url)
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.CheckAttribution(context.Background(), c, tally); err != nil {
		t.Fatal(err)
	}
}
