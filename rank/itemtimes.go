package rank

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"sync"
	"sync/atomic"
)

// ItemTimes holds every item's interaction times of one training run, for the learned
// ranker's recency features: Base + Times[Off[i]:Off[i+1]] are item i's event times in Unix
// seconds, sorted. Four bytes a time, as seconds after the run's first event (68 years fit;
// older times count as that old); a bundle saved when they were Unix seconds in 8 bytes
// decodes with Base 0, as gob reads those into int32 while they fit (until 2038). It is built
// once per training run and never changed after, so it is safe for concurrent reads.
type ItemTimes struct {
	Off    []int32
	Times  []int32
	Base   int64
	Newest int64 // the newest event time of the run: "now" for the features
	// Packed, in a saved copy (Pack), holds the times in place of Times: per item in order,
	// the first and then each gap to the next as an unsigned varint, a byte or two for most
	// where gob wrote five. Unpack restores Times.
	Packed []byte

	once sync.Once
	idx  *timeIndex // built on first use or by Prepare; not encoded
}

// NewItemTimes builds the times of n items from parallel slices of item indexes and Unix
// times; events of an index outside [0, n) are ignored.
func NewItemTimes(n int, items []int32, times []int64) *ItemTimes {
	return NewItemTimesFunc(n, func(yield func(item int32, t int64)) {
		for k, i := range items {
			yield(i, times[k])
		}
	})
}

// NewItemTimesFunc builds the times of n items from the (item index, Unix time) pairs that
// each yields; it calls each twice and keeps nothing else, so that a training run's
// events need no copy. Pairs of an index outside [0, n) are ignored.
func NewItemTimesFunc(n int, each func(yield func(item int32, t int64))) *ItemTimes {
	t := &ItemTimes{Off: make([]int32, n+1), Base: math.MaxInt64}
	each(func(i int32, ts int64) {
		if i >= 0 && int(i) < n {
			t.Off[i+1]++
			t.Base, t.Newest = min(t.Base, ts), max(t.Newest, ts)
		}
	})
	switch {
	case t.Base == math.MaxInt64: // no times
		t.Base = 0
	case t.Newest-t.Base > math.MaxInt32: // times more than 68 years before the newest clamp to that
		t.Base = t.Newest - math.MaxInt32
	}
	for i := 0; i < n; i++ {
		t.Off[i+1] += t.Off[i]
	}
	t.Times = make([]int32, t.Off[n])
	next := slices.Clone(t.Off[:n])
	each(func(i int32, ts int64) {
		if i >= 0 && int(i) < n {
			t.Times[next[i]] = int32(max(ts-t.Base, 0))
			next[i]++
		}
	})
	for i := 0; i < n; i++ {
		slices.Sort(t.Times[t.Off[i]:t.Off[i+1]])
	}
	return t
}

// Pack returns a copy of t for saving, its times in Packed and Times nil (nil for nil).
func (t *ItemTimes) Pack() *ItemTimes {
	if t == nil {
		return nil
	}
	buf := make([]byte, 0, 2*len(t.Times))
	for i := 0; i+1 < len(t.Off); i++ {
		prev := int32(0)
		for _, x := range t.Times[t.Off[i]:t.Off[i+1]] {
			buf = binary.AppendUvarint(buf, uint64(x-prev))
			prev = x
		}
	}
	return &ItemTimes{Off: t.Off, Base: t.Base, Newest: t.Newest, Packed: buf}
}

// Unpack restores Times from Packed in a decoded copy (nothing when Packed is empty: a copy
// saved before packing). It fails on offsets or times that do not describe a packed copy,
// leaving t unchanged.
func (t *ItemTimes) Unpack() error {
	if t == nil || t.Packed == nil {
		return nil
	}
	n := len(t.Off) - 1
	if n < 0 || t.Off[0] != 0 {
		return errors.New("item times: no offsets")
	}
	for i := range n {
		if t.Off[i+1] < t.Off[i] {
			return errors.New("item times: offsets decrease")
		}
	}
	if int64(t.Off[n]) > int64(len(t.Packed)) { // every time takes a byte at least
		return errors.New("item times: fewer bytes than times")
	}
	times := make([]int32, t.Off[n])
	buf := t.Packed
	for i := range n {
		prev := int64(0)
		for k := t.Off[i]; k < t.Off[i+1]; k++ {
			d, w := binary.Uvarint(buf)
			if w <= 0 || prev+int64(d) > math.MaxInt32 || d > math.MaxInt32 {
				return errors.New("item times: a time does not decode")
			}
			prev += int64(d)
			times[k], buf = int32(prev), buf[w:]
		}
	}
	if len(buf) != 0 {
		return errors.New("item times: bytes after the last time")
	}
	t.Times, t.Packed = times, nil
	return nil
}

// of returns item i's sorted times after Base (nil outside the run's items).
func (t *ItemTimes) of(i int32) []int32 {
	if t == nil || i < 0 || int(i)+1 >= len(t.Off) {
		return nil
	}
	return t.Times[t.Off[i]:t.Off[i+1]]
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
	// recent is, per item, how many of its times fall in the recentWindow up to Newest: the
	// item_pop_recent feature of every user, which a cold request asked of every candidate
	// with two more searches.
	recent []int32
	off    []int32 // per bucketed item: nb+1 counts of its times before lo + k·width, k = 0..nb
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
				e.lo = int64(ts[0])
				e.width = (int64(ts[len(ts)-1])-e.lo)/int64(nb) + 1 // lo + nb·width is past the last time
				e.buckets, e.nb = int32(len(ix.off)), int32(nb)
				j := 0
				for k := 0; k <= nb; k++ {
					edge := e.lo + int64(k)*e.width
					for j < len(ts) && int64(ts[j]) < edge {
						j++
					}
					ix.off = append(ix.off, int32(j))
				}
			}
			ix.items[i] = e
		}
		ix.recent = make([]int32, n)
		for i := range ix.recent {
			ix.recent[i] = int32(max(t.upToIn(ix, int32(i), t.Newest)-t.upToIn(ix, int32(i), t.Newest-recentWindow), 0))
		}
		t.idx = ix
	})
	return t.idx
}

// upToIn returns how many of item i's times are at or before x, searching the index ix.
func (t *ItemTimes) upToIn(ix *timeIndex, i int32, x int64) int {
	if i < 0 || int(i)+1 >= len(t.Off) || x < t.Base {
		return 0
	}
	e := &ix.items[i]
	x -= t.Base // >= 0, and compared as int64: past the last time when above MaxInt32
	a, b := ix.searchRange(e, x)
	return int(a-e.at) + upTo(t.Times[a:b], x)
}

// searchRange returns the range [a, b) of Times that decides how many of e's times are at or
// before x (after Base, >= 0): every one of its times before a is, none from b on. Without
// buckets that is the whole list, else the bucket x falls in.
func (ix *timeIndex) searchRange(e *timeEntry, x int64) (a, b int32) {
	a, b = e.at, e.at+e.n
	switch {
	case e.nb == 0:
		return a, b
	case x < e.lo:
		return a, a
	}
	k := (x - e.lo) / e.width
	if k >= int64(e.nb) { // lo + nb·width is past the last time
		return b, b
	}
	off := ix.off[e.buckets+int32(k) : e.buckets+int32(k)+2]
	return e.at + off[0], e.at + off[1]
}

// upTo returns how many of the sorted times ts are at or before x: a binary search written
// out, since sort.Search's closure call per step showed in a cold request's profile.
func upTo(ts []int32, x int64) int {
	lo, hi := 0, len(ts)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if int64(ts[m]) <= x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// Recency is what RecentAll answers for one item at a reference time.
type Recency struct {
	NRecent, NLong int32 // events in (to-recent, to] and in (to-long, to]
	AtNewest       int32 // RecentAtNewest
	OK             bool  // the item has an event at or before to
	First, Last    int64 // its first event and its last at or before to (when OK)
}

// recencyChunk is how many items RecentAll takes through its phases at once: enough
// independent loads in flight to overlap their cache misses, few enough that the lines
// each phase touched are still in the core's cache for the next.
const recencyChunk = 64

// RecentAll answers, for every item of items, its event counts in (to-recent, to] and in
// (to-long, to], its first event and its last at or before to, and RecentAtNewest: out[k] for
// items[k], the zero Recency for an index outside the run's items. It finds them in phases
// over a chunk of items (their index entries, then their buckets' bounds, then a touch of
// each bucket, then the searches): a cold request asks this of hundreds of candidates whose
// times lie far apart, and one item at a time waits for each cache miss in turn, where a
// phase's loads are independent and the core overlaps them.
func (t *ItemTimes) RecentAll(items []int32, to, recent, long int64, out []Recency) {
	out = out[:len(items)]
	if t == nil {
		clear(out)
		return
	}
	ix := t.index()
	for lo := 0; lo < len(items); lo += recencyChunk {
		hi := min(lo+recencyChunk, len(items))
		t.recentChunk(ix, items[lo:hi], [3]int64{to, to - recent, to - long}, out[lo:hi])
	}
}

// recentChunk is RecentAll over at most recencyChunk items, at the times xs (to, to-recent,
// to-long).
func (t *ItemTimes) recentChunk(ix *timeIndex, items []int32, xs [3]int64, out []Recency) {
	var (
		es   [recencyChunk]timeEntry
		span [recencyChunk][3][2]int32 // per item and time, the range of Times to search
	)
	n := int32(len(ix.items))
	for c, i := range items {
		if i >= 0 && i < n {
			es[c] = ix.items[i]
			out[c].AtNewest = ix.recent[i]
		} else {
			es[c], out[c].AtNewest = timeEntry{}, 0
		}
	}
	for c := range items {
		e := &es[c]
		for s, x := range xs {
			a, b := e.at, e.at // nothing at or before a time before Base
			if x -= t.Base; x >= 0 {
				a, b = ix.searchRange(e, x)
			}
			span[c][s] = [2]int32{a, b}
		}
	}
	// Touch each range a cache line apart (16 times), and each item's first time, so that
	// the searches below find them loaded.
	var sink int32
	for c := range items {
		if es[c].n > 0 {
			sink ^= t.Times[es[c].at]
		}
		for s := range xs {
			for k := span[c][s][0]; k < span[c][s][1]; k += 16 {
				sink ^= t.Times[k]
			}
		}
	}
	touchSink.Store(sink)
	for c := range items {
		e := &es[c]
		var up [3]int
		for s, x := range xs {
			a, b := span[c][s][0], span[c][s][1]
			up[s] = int(a-e.at) + upTo(t.Times[a:b], x-t.Base)
		}
		r := &out[c]
		if up[0] == 0 {
			r.NRecent, r.NLong, r.OK, r.First, r.Last = 0, 0, false, 0, 0
			continue
		}
		r.NRecent, r.NLong, r.OK = int32(up[0]-up[1]), int32(up[0]-up[2]), true
		r.First, r.Last = t.Base+int64(t.Times[e.at]), t.Base+int64(t.Times[e.at+int32(up[0])-1])
	}
}

// touchSink keeps the touching loads of recentChunk and knnTop from being dropped as unused.
var touchSink atomic.Int32
