package synth

import (
	"math"
	"math/rand/v2"
	"time"
)

// activity returns each user's number of events: a power law with exponent UserAlpha (x >=
// 20, MovieLens' floor), scaled so that the counts sum to exactly o.Events, none above
// maxPerUser.
func activity(o Options, rng *rand.Rand) []int32 {
	w := make([]float64, o.Users)
	for u := range w {
		w[u] = paretoSample(rng, 20, UserAlpha)
	}
	most := float64(o.maxPerUser())
	total := float64(o.Events)
	sumAt := func(lambda float64) float64 {
		s := 0.0
		for _, x := range w {
			s += min(most, lambda*x)
		}
		return s
	}
	lo, hi := 0.0, 1.0
	for sumAt(hi) < total && hi < 1e18 {
		hi *= 2
	}
	for range 100 {
		mid := (lo + hi) / 2
		if sumAt(mid) < total {
			lo = mid
		} else {
			hi = mid
		}
	}
	n := make([]int32, o.Users)
	var left int64
	for u, x := range w {
		n[u] = int32(min(most, math.Floor(hi*x)))
		left += int64(n[u])
	}
	// Rounding down left a few events over: one more each to the users under the cap, most
	// active first by position (deterministic), until the total is exact.
	left = o.Events - left
	for left > 0 {
		for u := range n {
			if left == 0 {
				break
			}
			if float64(n[u]) < most {
				n[u]++
				left--
			}
		}
	}
	for left < 0 {
		for u := range n {
			if left == 0 {
				break
			}
			if n[u] > 0 {
				n[u]--
				left++
			}
		}
	}
	return n
}

// userGen makes one user's events. It is reused from user to user; seen and tastes are its
// only state and are cleared for each user.
type userGen struct {
	o      Options
	c      *catalog
	rng    *rand.Rand
	seen   map[int32]struct{}
	tastes []int
	cumT   []float64
}

// tastesOf draws the user's 1 to 3 tastes among the topics (popular topics more often) and
// their weights.
func (g *userGen) tastesOf() {
	g.tastes, g.cumT = g.tastes[:0], g.cumT[:0]
	k := 1 + g.rng.IntN(3)
	for tries := 0; len(g.tastes) < k && tries < 20; tries++ {
		t := pick(g.c.topicW, g.rng.Float64())
		dup := false
		for _, x := range g.tastes {
			dup = dup || x == t
		}
		if !dup && len(g.c.byTopic[t]) > 0 {
			g.tastes = append(g.tastes, t)
			s := 0.0
			if len(g.cumT) > 0 {
				s = g.cumT[len(g.cumT)-1]
			}
			g.cumT = append(g.cumT, s+0.2+g.rng.Float64())
		}
	}
}

// item draws an item the user has not had: from one of their tastes with probability
// InTaste, else by global popularity; after 20 repeats it walks from a random item to the
// next unseen one (there always is one: a history holds at most MaxUserShare of the items).
func (g *userGen) item() (int32, bool) {
	for range 20 {
		var i int32
		if len(g.tastes) > 0 && g.rng.Float64() < g.o.InTaste {
			t := g.tastes[pick(g.cumT, g.rng.Float64())]
			i = g.c.byTopic[t][pick(g.c.cumTopic[t], g.rng.Float64())]
		} else {
			i = int32(pick(g.c.cumGlobal, g.rng.Float64()))
		}
		if _, ok := g.seen[i]; !ok {
			g.seen[i] = struct{}{}
			return i, g.inTaste(i)
		}
	}
	n := int32(len(g.c.cumGlobal))
	for i := int32(g.rng.IntN(int(n))); ; i = (i + 1) % n {
		if _, ok := g.seen[i]; !ok {
			g.seen[i] = struct{}{}
			return i, g.inTaste(i)
		}
	}
}

func (g *userGen) inTaste(i int32) bool {
	for _, t := range g.tastes {
		if int(g.c.topic[i]) == t || int(g.c.second[i]) == t {
			return true
		}
	}
	return false
}

// fitGaps returns the mean gaps between sessions and between events for a user of n events
// with room left in the span: the configured ones, scaled down when their expected total
// would use more than 90% of the room.
func (g *userGen) fitGaps(n int, room time.Duration) (session, event time.Duration) {
	session, event = g.o.SessionGap, g.o.EventGap
	sessions := float64(n) / max(g.o.SessionLen, 1)
	expected := sessions*float64(session) + float64(n)*float64(event)
	if limit := 0.9 * float64(room); expected > limit && expected > 0 {
		scale := limit / expected
		session = time.Duration(float64(session) * scale)
		event = time.Duration(float64(event) * scale)
	}
	return session, event
}

// expDur draws an exponentially distributed duration of the given mean.
func (g *userGen) expDur(mean time.Duration) time.Duration {
	return time.Duration(g.rng.ExpFloat64() * float64(mean))
}
