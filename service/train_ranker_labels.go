package service

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"

	"github.com/recd/recd"
	"github.com/recd/recd/model"
	"github.com/recd/recd/rank"
)

// rankerLabels is the ranker's label split of a run's events: the (user, item) pairs held out as
// labels, and per user with any, their item ids sorted. Every event of a pair not held out
// trains the label pipeline's sources. It is what eval.UserTimeSplit and eval.RandomSplit
// return for the same events (TestLabelSplit_AgreesWithEval), computed on trainEvents'
// indexes instead of copying the events: a held pair marks each of its events in a bit set
// (an eighth of a byte an event, where a set of the pairs took 12 bytes an event) and the
// ids are the dataset's strings.
type rankerLabels struct {
	held []uint64 // bit k: event k's pair is held out
	test map[string][]string
	mark []int32 // scratch of hold, per item index: 1 + the user whose held item it is
}

// heldEvent reports whether event k's pair is held out.
func (ls *rankerLabels) heldEvent(k int32) bool { return ls.held[k>>6]&(1<<(k&63)) != 0 }

// heldEvents returns how many events are held out.
func (ls *rankerLabels) heldEvents() int {
	n := 0
	for _, w := range ls.held {
		n += bits.OnesCount64(w)
	}
	return n
}

// hold holds out user u's pairs with items, whose events are evs.
func (ls *rankerLabels) hold(te *trainEvents, d *model.Dataset, u int32, evs []int32, items []int32) {
	if len(items) == 0 {
		return
	}
	for _, i := range items {
		ls.mark[i] = u + 1
		ls.test[d.Users[u]] = append(ls.test[d.Users[u]], d.Items[i])
	}
	for _, k := range evs {
		if ls.mark[te.item[k]] == u+1 {
			ls.held[k>>6] |= 1 << (k & 63)
		}
	}
}

// trains reports whether event k trains the label pipeline (its pair is not held out).
func (ls *rankerLabels) trains(k int32) bool { return !ls.heldEvent(k) }

// labelSplit cuts each user's labels from the run's events, as RankerOptions say.
func labelSplit(te *trainEvents, by userOrder, d *model.Dataset, o RankerOptions) (*rankerLabels, error) {
	if !(o.Holdout > 0 && o.Holdout < 1) {
		return nil, recd.Invalid("holdout", fmt.Sprintf("must be in (0, 1), got %v", o.Holdout))
	}
	ls := &rankerLabels{held: make([]uint64, (te.len()+63)/64), test: map[string][]string{}, mark: make([]int32, len(d.Items))}
	if o.LabelSplit == LabelSplitRandom {
		randomLabels(ls, te, by, d, o.Holdout, o.Seed)
	} else {
		userTimeLabels(ls, te, by, d, o.Holdout)
	}
	for _, items := range ls.test {
		slices.Sort(items)
	}
	ls.mark = nil
	return ls, nil
}

// userTimeLabels holds out, for every user, the latest round(fraction × n) of the user's n
// distinct items by the time the user first reached them (ties by Seq), keeping at least one.
func userTimeLabels(ls *rankerLabels, te *trainEvents, by userOrder, d *model.Dataset, fraction float64) {
	type first struct{ item, pos int32 } // an item's earliest event in the user's history
	var fs []first
	var held []int32
	slot := map[int32]int{}
	for u := range int32(len(d.Users)) {
		fs = fs[:0]
		clear(slot)
		for _, k := range by.events(u) {
			i := te.item[k]
			if s, ok := slot[i]; !ok {
				slot[i] = len(fs)
				fs = append(fs, first{i, k})
			} else if te.before(k, fs[s].pos) {
				fs[s].pos = k
			}
		}
		sort.Slice(fs, func(a, b int) bool { return te.before(fs[a].pos, fs[b].pos) })
		n := min(int(math.Round(fraction*float64(len(fs)))), len(fs)-1)
		held = held[:0]
		for _, f := range fs[len(fs)-max(n, 0):] {
			held = append(held, f.item)
		}
		ls.hold(te, d, u, by.events(u), held)
	}
}

// randomLabels holds out, for every user in id order, round(fraction × n) of the user's n
// distinct items (sorted by id, then shuffled by a generator seeded by seed), keeping at
// least one: the draws of eval.RandomSplit.
func randomLabels(ls *rankerLabels, te *trainEvents, by userOrder, d *model.Dataset, fraction float64, seed uint64) {
	users := make([]int32, len(d.Users))
	for u := range users {
		users[u] = int32(u)
	}
	slices.SortFunc(users, func(a, b int32) int { return strings.Compare(d.Users[a], d.Users[b]) })
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	var its []int32
	seen := map[int32]bool{}
	for _, u := range users {
		its = its[:0]
		clear(seen)
		for _, k := range by.events(u) {
			if i := te.item[k]; !seen[i] {
				seen[i] = true
				its = append(its, i)
			}
		}
		if len(its) == 0 {
			continue
		}
		slices.SortFunc(its, func(a, b int32) int { return strings.Compare(d.Items[a], d.Items[b]) })
		n := min(int(math.Round(fraction*float64(len(its)))), len(its)-1)
		rng.Shuffle(len(its), func(a, b int) { its[a], its[b] = its[b], its[a] })
		ls.hold(te, d, u, by.events(u), its[:max(n, 0)])
	}
}

// labelHistory aggregates user u's events that train the labels into the user's history as
// the live state does: summed weights (in event order) and the newest time per item, in item
// id order.
func labelHistory(u int32, te *trainEvents, by userOrder, d *model.Dataset, ls *rankerLabels, w model.Weights) []rank.Interaction {
	var out []rank.Interaction
	slot := map[int32]int{}
	for _, k := range by.events(u) {
		i := te.item[k]
		if ls.heldEvent(k) {
			continue
		}
		s, ok := slot[i]
		if !ok {
			s = len(out)
			slot[i] = s
			out = append(out, rank.Interaction{ItemID: d.Items[i]})
		}
		x := &out[s]
		x.Weight += w.Of(te.event(k, d))
		if ts := te.time(k); ts.After(x.Last) {
			x.Last = ts
		}
	}
	slices.SortFunc(out, func(a, b rank.Interaction) int { return strings.Compare(a.ItemID, b.ItemID) })
	return out
}
