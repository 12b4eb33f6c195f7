package service

import (
	"cmp"
	"encoding/binary"
	"hash/fnv"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/recd/recd/model"
)

// This file holds the snapshot of the live histories: what is saved (liveImage), how it is
// taken from the histories and how a decoded one is checked. The format is in
// live_snapshot_codec.go, the file and the start from it in live_snapshot_file.go.

// liveSnapshotVersion is the snapshot format's version; a file of another version is ignored
// (the start falls back to scanning the store).
const liveSnapshotVersion = 1

// liveSnapshotMagic opens every snapshot file.
var liveSnapshotMagic = [8]byte{'r', 'e', 'c', 'd', 'l', 'i', 'v', 'e'}

// snapshotMeta is what a snapshot records about where and from what it was made; a start
// uses the snapshot only when all of it matches the store and the configuration.
type snapshotMeta struct {
	version uint32
	storeID string
	schema  int
	config  uint64 // configFingerprint of the weights and half-life the histories were summed with
	created int64  // Unix nanoseconds
	// lastSeq is the newest applied event's Seq and nEvents the events the histories hold:
	// the store must still hold exactly nEvents events with Seq <= lastSeq, the newest lastSeq.
	lastSeq int64
	nEvents int64
}

// liveImage is a consistent copy of the histories, taken under memState.mu and written out
// without it. ids is shared with the histories (the interned table only ever appends, and an
// interned string never changes); the entries are copied.
type liveImage struct {
	meta        snapshotMeta
	floor, high int64   // the applied-event tracker: every Seq <= floor applied or gone
	seen        []int64 // applied numbers above floor
	missing     []int64 // numbers between floor and high not seen yet
	ids         []string
	trending    []trendScore
	users       []userImage
}

type trendScore struct {
	item string
	logS float64
}

type userImage struct {
	id       string
	n        int
	seq      int64
	sessions sessionIDs
	ents     []histEntry
}

// capture copies the histories into an image. The caller holds memState.mu (a read lock is
// enough); the cost under the lock is one copy of the entries (32 bytes each) into one
// allocation, and the small maps.
func (h *histories) capture() *liveImage {
	img := &liveImage{floor: h.applied.floor, high: h.applied.high, ids: h.ids.ids[:len(h.ids.ids):len(h.ids.ids)]}
	img.meta.lastSeq, img.meta.nEvents = h.lastSeq, int64(h.nEvents)
	for s := range h.applied.seen {
		img.seen = append(img.seen, s)
	}
	for s := range h.applied.missing {
		img.missing = append(img.missing, s)
	}
	img.trending = make([]trendScore, 0, h.trending.Len())
	h.trending.EachScore(func(item string, v float64) { img.trending = append(img.trending, trendScore{item, v}) })
	total := 0
	for _, u := range h.hist {
		total += len(u.ents)
	}
	arena := make([]histEntry, total)
	img.users = make([]userImage, 0, len(h.hist))
	for id, u := range h.hist {
		n := copy(arena, u.ents)
		img.users = append(img.users, userImage{id: id, n: u.n, seq: u.seq,
			sessions: u.sessions, ents: arena[:n:n]})
		arena = arena[n:]
	}
	return img
}

// sort puts the image in a fixed order (users, trending items and Seqs), so that the same
// state always writes the same bytes. It runs outside the lock.
func (img *liveImage) sort() {
	slices.SortFunc(img.users, func(a, b userImage) int { return strings.Compare(a.id, b.id) })
	slices.SortFunc(img.trending, func(a, b trendScore) int { return strings.Compare(a.item, b.item) })
	slices.Sort(img.seen)
	slices.Sort(img.missing)
}

// restoreTracker sets the applied-event tracker of h, new (newHistories) and seen by nobody
// else yet, to a decoded snapshot's. Missing numbers are noticed missing anew, now.
func (h *histories) restoreTracker(floor, high int64, seen, missing []int64) {
	t := h.applied
	t.floor, t.high = floor, high
	for _, s := range seen {
		t.seen[s] = struct{}{}
	}
	now := time.Now()
	for _, s := range missing {
		t.missing[s] = now
	}
}

// configFingerprint identifies what the histories' sums depend on beside the events: the
// event weights and the trending half-life. A snapshot made under others is not used.
func configFingerprint(w model.Weights, halfLife time.Duration) uint64 {
	f := fnv.New64a()
	var b [8]byte
	put := func(v uint64) {
		binary.LittleEndian.PutUint64(b[:], v)
		f.Write(b[:])
	}
	types := make([]string, 0, len(w.ByType))
	for t := range w.ByType {
		types = append(types, t)
	}
	slices.SortFunc(types, cmp.Compare)
	for _, t := range types {
		f.Write([]byte(t))
		f.Write([]byte{0})
		put(math.Float64bits(w.ByType[t]))
	}
	put(math.Float64bits(w.Default))
	put(uint64(model.NewTrending(halfLife).Tau))
	return f.Sum64()
}
