package sim

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"
)

// ClickModel is the simulated user's behaviour on one list: position p (0 first) is examined
// with probability Examine(p) = 1/(1+p)^Decay (the position-bias curve; the first item is
// always examined), and an examined item is clicked with probability Relevant when it is in
// the user's held-out set and Irrelevant otherwise. Decisions are independent across
// positions (an examination model, not a cascade). Users differ in how readily they click:
// with Activity k > 0 each user's two click probabilities are multiplied by their own draw
// from Gamma(k, rate k) (mean 1, variance 1/k; capped at probability 1), so that a few users
// click a lot and many little, as in real traffic; 0 makes every user alike.
type ClickModel struct {
	Decay      float64 // position-bias exponent, in [0,5]
	Relevant   float64 // click probability of an examined held-out item, in [0,1]
	Irrelevant float64 // click probability of any other examined item, in [0,1]
	Activity   float64 // shape of the users' click-propensity distribution, 0 or in [0.05,100]
}

// DefaultClickModel examines with 1/(1+p)^0.8 and clicks 60% of examined held-out items and
// 2% of the others.
func DefaultClickModel() ClickModel {
	return ClickModel{Decay: 0.8, Relevant: 0.6, Irrelevant: 0.02}
}

// Validate names the first field out of range.
func (m ClickModel) Validate() error {
	switch {
	case !(m.Decay >= 0 && m.Decay <= 5):
		return fmt.Errorf("sim: click decay must lie in [0,5], not %g", m.Decay)
	case !(m.Relevant >= 0 && m.Relevant <= 1):
		return fmt.Errorf("sim: relevant click probability must lie in [0,1], not %g", m.Relevant)
	case !(m.Irrelevant >= 0 && m.Irrelevant <= 1):
		return fmt.Errorf("sim: irrelevant click probability must lie in [0,1], not %g", m.Irrelevant)
	case m.Activity != 0 && !(m.Activity >= 0.05 && m.Activity <= 100):
		return fmt.Errorf("sim: activity must be 0 or lie in [0.05,100], not %g", m.Activity)
	}
	return nil
}

// Examine is the probability that position p (0 first) is looked at.
func (m ClickModel) Examine(p int) float64 {
	return 1 / math.Pow(float64(1+p), m.Decay)
}

// ClickProb is the probability that position p is clicked, relevant or not.
func (m ClickModel) ClickProb(p int, relevant bool) float64 {
	if relevant {
		return m.Examine(p) * m.Relevant
	}
	return m.Examine(p) * m.Irrelevant
}

// UserActivity draws one user's click-propensity multiplier from src (1 when Activity is 0).
func (m ClickModel) UserActivity(src rand.Source) float64 {
	if m.Activity == 0 {
		return 1
	}
	return distuv.Gamma{Alpha: m.Activity, Beta: m.Activity, Src: src}.Rand()
}

// Clicks returns the positions of items clicked in one list by a user of the given activity
// (see UserActivity); relevant says whether the item at a position is in the user's held-out
// set. Two draws per position, always, so a user's later decisions do not depend on what an
// earlier list held.
func (m ClickModel) Clicks(rng *rand.Rand, activity float64, n int, relevant func(p int) bool) []int {
	var out []int
	for p := 0; p < n; p++ {
		examined, click := rng.Float64() < m.Examine(p), rng.Float64()
		if !examined {
			continue
		}
		q := m.Irrelevant
		if relevant(p) {
			q = m.Relevant
		}
		q = math.Min(1, q*activity)
		if click < q {
			out = append(out, p)
		}
	}
	return out
}
