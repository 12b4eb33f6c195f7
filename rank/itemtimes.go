package rank

import (
	"slices"
	"sort"
)

// ItemTimes holds every item's interaction times of one training run, for the learned
// ranker's recency features: Times[Off[i]:Off[i+1]] are item i's event times in Unix seconds,
// sorted. It is built once per training run and never changed after, so it is safe for
// concurrent reads.
type ItemTimes struct {
	Off    []int32
	Times  []int64
	Newest int64 // the newest event time of the run: "now" for the features
}

// NewItemTimes builds the times of n items from parallel slices of item indexes and Unix
// times; events of an index outside [0, n) are ignored.
func NewItemTimes(n int, items []int32, times []int64) *ItemTimes {
	t := &ItemTimes{Off: make([]int32, n+1)}
	for _, i := range items {
		if i >= 0 && int(i) < n {
			t.Off[i+1]++
		}
	}
	for i := 0; i < n; i++ {
		t.Off[i+1] += t.Off[i]
	}
	t.Times = make([]int64, t.Off[n])
	next := slices.Clone(t.Off[:n])
	for k, i := range items {
		if i >= 0 && int(i) < n {
			t.Times[next[i]] = times[k]
			next[i]++
			t.Newest = max(t.Newest, times[k])
		}
	}
	for i := 0; i < n; i++ {
		slices.Sort(t.Times[t.Off[i]:t.Off[i+1]])
	}
	return t
}

// of returns item i's sorted times (nil outside the run's items).
func (t *ItemTimes) of(i int32) []int64 {
	if t == nil || i < 0 || int(i)+1 >= len(t.Off) {
		return nil
	}
	return t.Times[t.Off[i]:t.Off[i+1]]
}

// Count returns how many of item i's events fall in (from, to].
func (t *ItemTimes) Count(i int32, from, to int64) int {
	ts := t.of(i)
	lo := sort.Search(len(ts), func(k int) bool { return ts[k] > from })
	hi := sort.Search(len(ts), func(k int) bool { return ts[k] > to })
	return max(hi-lo, 0)
}

// Span returns item i's first event time and its last event at or before to; ok is false
// when the item has no event at or before to.
func (t *ItemTimes) Span(i int32, to int64) (first, last int64, ok bool) {
	ts := t.of(i)
	hi := sort.Search(len(ts), func(k int) bool { return ts[k] > to })
	if hi == 0 {
		return 0, 0, false
	}
	return ts[0], ts[hi-1], true
}
