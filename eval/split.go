// Package eval owns offline evaluation: train/test splits, ranking and beyond-accuracy
// metrics, the full-ranking evaluation runner, paired significance tests and comparison
// reports with plots.
package eval

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/recd/recd"
	"github.com/recd/recd/model"
)

// Split is a train/test partition of interaction events.
type Split struct {
	// Train holds the events models are fitted on, in input order.
	Train []recd.Event
	// Test maps a user id to the distinct item ids held out for that user, sorted.
	// Users with nothing held out are absent.
	Test map[string][]string
	// TestRatings are the values of held-out rating events, for RMSE/MAE.
	TestRatings []Rating
}

// NumTest returns the number of held-out (user, item) pairs.
func (s *Split) NumTest() int {
	n := 0
	for _, items := range s.Test {
		n += len(items)
	}
	return n
}

// pairKey identifies one (user, item) pair; all events of a pair go to the same side.
type pairKey struct{ user, item string }

// userPairs groups events by user and, within a user, by item. Users come out sorted by id
// and each user's items in order of first appearance in events, so the grouping does not
// depend on map iteration order.
func userPairs(events []recd.Event) (users []string, items map[string][]string) {
	items = map[string][]string{}
	seen := map[pairKey]bool{}
	for _, e := range events {
		k := pairKey{e.UserID, e.ItemID}
		if seen[k] {
			continue
		}
		seen[k] = true
		if _, ok := items[e.UserID]; !ok {
			users = append(users, e.UserID)
		}
		items[e.UserID] = append(items[e.UserID], e.ItemID)
	}
	sort.Strings(users)
	return users, items
}

func checkFraction(f float64) error {
	if !(f > 0 && f < 1) {
		return recd.Invalid("test_fraction", fmt.Sprintf("must be in (0, 1), got %v", f))
	}
	return nil
}

// partition puts every event whose pair is held out into Test and the rest into Train.
func partition(events []recd.Event, held map[pairKey]bool) *Split {
	s := &Split{Test: map[string][]string{}}
	for _, e := range events {
		if !held[pairKey{e.UserID, e.ItemID}] {
			s.Train = append(s.Train, e)
		}
	}
	for k := range held {
		s.Test[k.user] = append(s.Test[k.user], k.item)
	}
	for _, items := range s.Test {
		sort.Strings(items)
	}
	s.TestRatings = heldRatings(events, held)
	return s
}

// heldRatings returns the rating events of held-out pairs, in input order.
func heldRatings(events []recd.Event, held map[pairKey]bool) []Rating {
	var out []Rating
	for _, e := range events {
		if e.Type == recd.EventRating && held[pairKey{e.UserID, e.ItemID}] {
			out = append(out, Rating{User: e.UserID, Item: e.ItemID, Value: e.Value})
		}
	}
	return out
}

// RandomSplit holds out, for every user, round(fraction × n) of the user's n distinct items,
// chosen uniformly at random with a generator seeded by seed; all events on a held-out item go
// to test. Every user keeps at least one item in training, so users with a single item are
// training-only. The result depends only on the events and seed, not on their order.
func RandomSplit(events []recd.Event, fraction float64, seed uint64) (*Split, error) {
	if err := checkFraction(fraction); err != nil {
		return nil, err
	}
	users, items := userPairs(events)
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	held := map[pairKey]bool{}
	for _, u := range users {
		its := append([]string(nil), items[u]...)
		sort.Strings(its)
		n := int(math.Round(fraction * float64(len(its))))
		if n > len(its)-1 {
			n = len(its) - 1
		}
		rng.Shuffle(len(its), func(a, b int) { its[a], its[b] = its[b], its[a] })
		for _, it := range its[:n] {
			held[pairKey{u, it}] = true
		}
	}
	return partition(events, held), nil
}

// TemporalSplit cuts all events at one global time: the latest fraction of events (by
// Timestamp, ties broken by Seq then input order) go to test, the rest to train. A test
// pair is kept only when its user has training events and the user did not interact with
// the item before the cut, so every test item is new to its user.
func TemporalSplit(events []recd.Event, fraction float64) (*Split, error) {
	if err := checkFraction(fraction); err != nil {
		return nil, err
	}
	order := make([]int, len(events))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		ea, eb := events[order[a]], events[order[b]]
		if !ea.Timestamp.Equal(eb.Timestamp) {
			return ea.Timestamp.Before(eb.Timestamp)
		}
		return ea.Seq < eb.Seq
	})
	cut := len(events) - int(math.Round(fraction*float64(len(events))))
	s := &Split{Test: map[string][]string{}}
	inTrain := map[pairKey]bool{}
	trainUser := map[string]bool{}
	isTrain := make([]bool, len(events))
	for _, i := range order[:cut] {
		isTrain[i] = true
		inTrain[pairKey{events[i].UserID, events[i].ItemID}] = true
		trainUser[events[i].UserID] = true
	}
	held := map[pairKey]bool{}
	for _, i := range order[cut:] {
		k := pairKey{events[i].UserID, events[i].ItemID}
		if trainUser[k.user] && !inTrain[k] {
			held[k] = true
		}
	}
	for i, e := range events {
		if isTrain[i] {
			s.Train = append(s.Train, e)
		}
	}
	for k := range held {
		s.Test[k.user] = append(s.Test[k.user], k.item)
	}
	for _, items := range s.Test {
		sort.Strings(items)
	}
	s.TestRatings = heldRatings(events, held)
	return s, nil
}

// LeaveLastOut holds out, for every user with at least two distinct items, the item of the
// user's latest event (ties broken by Seq, then by the later position in events); all events
// on that item go to test.
func LeaveLastOut(events []recd.Event) (*Split, error) {
	type last struct {
		e   recd.Event
		pos int
	}
	latest := map[string]last{}
	for i, e := range events {
		l, ok := latest[e.UserID]
		if !ok || e.Timestamp.After(l.e.Timestamp) ||
			(e.Timestamp.Equal(l.e.Timestamp) && e.Seq >= l.e.Seq) {
			latest[e.UserID] = last{e, i}
		}
	}
	_, items := userPairs(events)
	held := map[pairKey]bool{}
	for u, l := range latest {
		if len(items[u]) >= 2 {
			held[pairKey{u, l.e.ItemID}] = true
		}
	}
	return partition(events, held), nil
}

// BuildDataset builds a training Dataset from events. With binary set, every (user, item)
// pair is one positive interaction of weight 1, whatever the event type or value (the
// evaluation protocol "every rating is a positive interaction"); otherwise w weights events.
func BuildDataset(events []recd.Event, w model.Weights, binary bool) *model.Dataset {
	b := model.NewBuilder(w)
	for _, e := range events {
		if binary {
			e.Type, e.Value = "interaction", 0
		}
		b.Add(e)
	}
	d := b.Build()
	if binary {
		for i := range d.UserWeights {
			d.UserWeights[i] = 1
		}
		for i := range d.ItemWeights {
			d.ItemWeights[i] = 1
		}
	}
	return d
}
