package eval

import (
	"math"
	"sort"

	"github.com/recd/recd"
)

// UserTimeSplit holds out, for every user, the latest round(fraction × n) of the user's n
// distinct items by the time the user first reached them (ties broken by Seq, then by the
// later position in events); all events on a held-out item go to test. Every user keeps at
// least one item in training. Unlike TemporalSplit's one global cut, each user is cut at
// their own time, so other users' later events stay in training: the split asks "what does
// this user do next", not "what happens next in the world".
func UserTimeSplit(events []recd.Event, fraction float64) (*Split, error) {
	if err := checkFraction(fraction); err != nil {
		return nil, err
	}
	type first struct {
		e   recd.Event
		pos int
	}
	firsts := map[pairKey]first{}
	for i, e := range events {
		k := pairKey{e.UserID, e.ItemID}
		if f, ok := firsts[k]; !ok || before(e, i, f.e, f.pos) {
			firsts[k] = first{e, i}
		}
	}
	byUser := map[string][]first{}
	for _, f := range firsts {
		byUser[f.e.UserID] = append(byUser[f.e.UserID], f)
	}
	held := map[pairKey]bool{}
	for _, fs := range byUser {
		sort.Slice(fs, func(a, b int) bool { return before(fs[a].e, fs[a].pos, fs[b].e, fs[b].pos) })
		n := min(int(math.Round(fraction*float64(len(fs)))), len(fs)-1)
		for _, f := range fs[len(fs)-n:] {
			held[pairKey{f.e.UserID, f.e.ItemID}] = true
		}
	}
	return partition(events, held), nil
}

// before orders events by Timestamp, then Seq, then position in the input.
func before(a recd.Event, pa int, b recd.Event, pb int) bool {
	if !a.Timestamp.Equal(b.Timestamp) {
		return a.Timestamp.Before(b.Timestamp)
	}
	if a.Seq != b.Seq {
		return a.Seq < b.Seq
	}
	return pa < pb
}
