package rank

import (
	"slices"
	"sync"
)

// ItemTimes holds every item's interaction times of one training run, for the learned
// ranker's recency features: Times[Off[i]:Off[i+1]] are item i's event times in Unix seconds,
// sorted. It is built once per training run and never changed after, so it is safe for
// concurrent reads.
type ItemTimes struct {
	Off    []int32
	Times  []int64
	Newest int64 // the newest event time of the run: "now" for the features

	once sync.Once
	idx  *timeIndex // built on first use or by Prepare; not encoded
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
	return max(t.upTo(i, to)-t.upTo(i, from), 0)
}

// Span returns item i's first event time and its last event at or before to; ok is false
// when the item has no event at or before to.
func (t *ItemTimes) Span(i int32, to int64) (first, last int64, ok bool) {
	hi := t.upTo(i, to)
	if hi == 0 {
		return 0, 0, false
	}
	ts := t.of(i)
	return ts[0], ts[hi-1], true
}

// Recent returns item i's event counts in (to-recent, to] and in (to-long, to], its first
// event time and its last at or before to (ok is false when it has none at or before to):
// Count and Span asked together, the three searches done once each.
func (t *ItemTimes) Recent(i int32, to, recent, long int64) (nRecent, nLong int, first, last int64, ok bool) {
	hi := t.upTo(i, to)
	if hi == 0 {
		return 0, 0, 0, 0, false
	}
	ts := t.of(i)
	return hi - t.upTo(i, to-recent), hi - t.upTo(i, to-long), ts[0], ts[hi-1], true
}

// Prepare builds the search index of the times (see timeIndex), which the first query would
// otherwise build; call it before serving so that no request waits for it.
func (t *ItemTimes) Prepare() {
	if t != nil {
		t.index()
	}
}

// timeIndex cuts each item with many events into buckets of equal time width, so that a
// search reads one bucket's few cache lines, not the log2 of a popular item's times spread
// over megabytes: a cold request asks for every candidate's recency, and the plain binary
// search's cache misses were a tenth of its CPU at 20M events. An item's bounds and buckets
// sit in one 32-byte entry, one cache line to read before its times.
type timeIndex struct {
	items []timeEntry
	off   []int32 // per bucketed item: nb+1 counts of its times before lo + k·width, k = 0..nb
}

// timeEntry is one item's place in the index: its times are Times[at:at+n]; with buckets
// (nb > 0) the k-th starts at its off[buckets+k]-th time.
type timeEntry struct {
	lo, width int64
	at, n     int32
	buckets   int32
	nb        int32
}

// timeBucketEvents is the mean number of times per bucket; items with fewer than
// 4·timeBucketEvents times get no buckets. The index takes about 4 bytes per 32 events and
// 32 bytes per item.
const timeBucketEvents = 32

func (t *ItemTimes) index() *timeIndex {
	t.once.Do(func() {
		n := max(len(t.Off)-1, 0)
		ix := &timeIndex{items: make([]timeEntry, n)}
		for i := 0; i < n; i++ {
			ts := t.of(int32(i))
			e := timeEntry{at: t.Off[i], n: int32(len(ts))}
			if len(ts) >= 4*timeBucketEvents {
				nb := min(len(ts)/timeBucketEvents, 1<<16)
				e.lo = ts[0]
				e.width = (ts[len(ts)-1]-e.lo)/int64(nb) + 1 // lo + nb·width is past the last time
				e.buckets, e.nb = int32(len(ix.off)), int32(nb)
				j := 0
				for k := 0; k <= nb; k++ {
					edge := e.lo + int64(k)*e.width
					for j < len(ts) && ts[j] < edge {
						j++
					}
					ix.off = append(ix.off, int32(j))
				}
			}
			ix.items[i] = e
		}
		t.idx = ix
	})
	return t.idx
}

// upTo returns how many of item i's times are at or before x.
func (t *ItemTimes) upTo(i int32, x int64) int {
	if t == nil || i < 0 || int(i)+1 >= len(t.Off) {
		return 0
	}
	e := t.index().items[i]
	ts := t.Times[e.at : e.at+e.n]
	if e.nb == 0 {
		return upTo(ts, x)
	}
	switch {
	case x < e.lo:
		return 0
	case x >= ts[len(ts)-1]:
		return len(ts)
	}
	k := int32((x - e.lo) / e.width) // < nb, as lo + nb·width is past the last time
	off := t.idx.off[e.buckets+k : e.buckets+k+2]
	a, b := int(off[0]), int(off[1])
	return a + upTo(ts[a:b], x)
}

// upTo returns how many of the sorted times ts are at or before x: a binary search written
// out, since sort.Search's closure call per step showed in a cold request's profile.
func upTo(ts []int64, x int64) int {
	lo, hi := 0, len(ts)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if ts[m] <= x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}
