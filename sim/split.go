package sim

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"

	"github.com/recd/recd"
	"github.com/recd/recd/dataset"
)

// SplitOptions says how ratings become the training part and the held-out sets.
type SplitOptions struct {
	Seed int64
	// HeldOut is the share of each user's ratings held out of training, in (0,1).
	HeldOut float64
	// Liked is the lowest rating of a held-out item the user will click when shown; held-out
	// ratings below it are dropped from both parts.
	Liked float64
	// MinHeldOut is the fewest liked held-out items a user needs to be simulated.
	MinHeldOut int
	// MaxItems, when above 0, keeps only the most-rated items and their ratings: a smaller
	// catalog trains faster (tests use it).
	MaxItems int
}

// DefaultSplitOptions holds out 20% of each user's ratings and counts ratings of 4 and more as
// liked; users with at least 3 liked held-out items are simulated.
func DefaultSplitOptions() SplitOptions {
	return SplitOptions{Seed: 1, HeldOut: 0.2, Liked: 4, MinHeldOut: 3}
}

// Split is the data set cut for a simulation: the catalog, the events the server trains on,
// and each simulated user's held-out liked items. It is read-only after NewSplit and safe for
// concurrent use.
type Split struct {
	Items []recd.Item
	Train []recd.Event
	// Users are the users with at least MinHeldOut liked held-out items, sorted.
	Users   []string
	heldOut map[string]map[string]bool
	train   map[string][]recd.Event // each user's training part
}

// NewSplit holds out a seeded share of each user's ratings. The same data and options give
// the same split.
func NewSplit(data *dataset.Data, o SplitOptions) (*Split, error) {
	if !(o.HeldOut > 0 && o.HeldOut < 1) {
		return nil, fmt.Errorf("sim: held-out share must lie in (0,1), not %g", o.HeldOut)
	}
	if o.MinHeldOut < 1 {
		return nil, fmt.Errorf("sim: min held-out must be at least 1, not %d", o.MinHeldOut)
	}
	if o.MaxItems > 0 {
		data = trim(data, o.MaxItems)
	}
	byUser := map[string][]recd.Event{}
	for _, e := range data.Events {
		byUser[e.UserID] = append(byUser[e.UserID], e)
	}
	users := make([]string, 0, len(byUser))
	for u := range byUser {
		users = append(users, u)
	}
	slices.Sort(users)
	s := &Split{Items: data.Items, heldOut: map[string]map[string]bool{},
		train: map[string][]recd.Event{}}
	for _, u := range users {
		evs := byUser[u]
		slices.SortStableFunc(evs, func(a, b recd.Event) int { return cmp.Compare(a.ItemID, b.ItemID) })
		rng := userRand(o.Seed, "split", u)
		rng.Shuffle(len(evs), func(i, j int) { evs[i], evs[j] = evs[j], evs[i] })
		k := int(float64(len(evs)) * o.HeldOut)
		liked := map[string]bool{}
		for _, e := range evs[:k] {
			if e.Value >= o.Liked {
				liked[e.ItemID] = true
			}
		}
		s.Train = append(s.Train, evs[k:]...)
		s.train[u] = evs[k:]
		if len(liked) >= o.MinHeldOut {
			s.heldOut[u] = liked
			s.Users = append(s.Users, u)
		}
	}
	slices.SortStableFunc(s.Train, func(a, b recd.Event) int { return a.Timestamp.Compare(b.Timestamp) })
	return s, nil
}

// HeldOut reports whether item is in user's held-out liked set.
func (s *Split) HeldOut(user, item string) bool { return s.heldOut[user][item] }

// TrainOf returns user's training events (shared: do not modify).
func (s *Split) TrainOf(user string) []recd.Event { return s.train[user] }

// HeldOutSize is the number of user's held-out liked items.
func (s *Split) HeldOutSize(user string) int { return len(s.heldOut[user]) }

// Draw returns n simulated users drawn without replacement with seed (all of them, in a
// seeded order, when n is larger).
func (s *Split) Draw(n int, seed int64) []string {
	out := slices.Clone(s.Users)
	rng := userRand(seed, "draw", "")
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out[:min(n, len(out))]
}

// trim keeps the n most-rated items (ties by id) and the ratings of those.
func trim(data *dataset.Data, n int) *dataset.Data {
	count := map[string]int{}
	for _, e := range data.Events {
		count[e.ItemID]++
	}
	ids := make([]string, 0, len(count))
	for id := range count {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int { return cmp.Or(cmp.Compare(count[b], count[a]), cmp.Compare(a, b)) })
	keep := map[string]bool{}
	for _, id := range ids[:min(n, len(ids))] {
		keep[id] = true
	}
	out := &dataset.Data{}
	for _, it := range data.Items {
		if keep[it.ID] {
			out.Items = append(out.Items, it)
		}
	}
	for _, e := range data.Events {
		if keep[e.ItemID] {
			out.Events = append(out.Events, e)
		}
	}
	return out
}

// userRand is the seeded source of one user's decisions in one phase: it depends on the
// seed, the phase and the user id only, never on the order users are simulated in.
func userRand(seed int64, phase, user string) *rand.Rand {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d\x00%s\x00%s", seed, phase, user)
	return rand.New(rand.NewPCG(uint64(seed), h.Sum64()))
}
