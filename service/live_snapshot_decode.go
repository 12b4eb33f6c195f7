package service

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math"
)

// snapReader reads the snapshot's fields, summing them into the checksum and counting the
// bytes left; the first error sticks and later reads return zeros.
type snapReader struct {
	r    *bufio.Reader
	crc  uint32
	left int64
	buf  []byte
	err  error
}

func newSnapReader(r io.Reader, size int64) *snapReader {
	// buf holds the longest string and a chunk of entries; both buffers are no larger than
	// the file needs.
	return &snapReader{r: bufio.NewReaderSize(r, int(min(max(size, 16), 1<<20))), left: size,
		buf: make([]byte, min(max(size, 64), maxSnapString))}
}

func (sr *snapReader) fail(what string) {
	if sr.err == nil {
		sr.err = fmt.Errorf("%w: %s", errSnapshotCorrupt, what)
	}
}

// read returns the next n bytes (n <= len(buf)), valid until the next read; zeros once an
// error stuck, so that no count read after it loops.
func (sr *snapReader) read(n int) []byte {
	if sr.err == nil && int64(n) > sr.left {
		sr.fail("truncated")
	}
	if n > len(sr.buf) {
		n = 0 // only after an error: every read is at most the bytes left
	}
	b := sr.buf[:n:n]
	if sr.err == nil {
		if _, err := io.ReadFull(sr.r, b); err != nil {
			sr.err = fmt.Errorf("%w: %v", errSnapshotCorrupt, err)
		}
	}
	if sr.err != nil {
		clear(b)
		return b
	}
	sr.crc = crc32.Update(sr.crc, castagnoli, b)
	sr.left -= int64(n)
	return b
}

func (sr *snapReader) u32() uint32 { return binary.LittleEndian.Uint32(sr.read(4)) }
func (sr *snapReader) i64() int64  { return int64(binary.LittleEndian.Uint64(sr.read(8))) }
func (sr *snapReader) f64() float64 {
	return math.Float64frombits(binary.LittleEndian.Uint64(sr.read(8)))
}

// count reads a count of records at least minSize bytes each, refusing one the bytes left
// cannot hold.
func (sr *snapReader) count(minSize int64) int {
	n := int64(sr.u32())
	if sr.err == nil && n*minSize > sr.left {
		sr.fail("count past the end")
	}
	if sr.err != nil {
		return 0
	}
	return int(n)
}

func (sr *snapReader) str() string {
	var n uint64
	for shift := 0; ; shift += 7 {
		c := sr.read(1)[0]
		if sr.err != nil || shift > 21 {
			sr.fail("string length")
			return ""
		}
		n |= uint64(c&0x7f) << shift
		if c < 0x80 {
			break
		}
	}
	if n > maxSnapString {
		sr.fail("string too long")
		return ""
	}
	return string(sr.read(int(n)))
}

func (sr *snapReader) seqs() []int64 {
	out := make([]int64, sr.count(8))
	for i := range out {
		out[i] = sr.i64()
	}
	return out
}

// header reads the snapshot's magic, version and meta; the caller checks them against the
// store before reading the rest.
func (sr *snapReader) header() snapshotMeta {
	var m snapshotMeta
	if string(sr.read(len(liveSnapshotMagic))) != string(liveSnapshotMagic[:]) {
		sr.fail("not a live snapshot")
		return m
	}
	m.version = sr.u32()
	if m.version != liveSnapshotVersion {
		return m // the caller refuses it by its version
	}
	m.storeID = sr.str()
	m.schema = int(sr.u32())
	m.config = uint64(sr.i64())
	m.created, m.lastSeq, m.nEvents = sr.i64(), sr.i64(), sr.i64()
	return m
}

// body reads the rest into h, new (newHistories), and checks the checksum; on an error h is
// half-filled and must be dropped.
func (sr *snapReader) body(h *histories, m *snapshotMeta) error {
	floor, high := sr.i64(), sr.i64()
	seen, missing := sr.seqs(), sr.seqs()
	nIDs := sr.count(1)
	h.ids.ids = make([]string, 0, nIDs)
	for range nIDs {
		id := sr.str()
		if _, dup := h.ids.index[id]; dup && sr.err == nil {
			sr.fail("item id twice")
		}
		h.ids.index[id] = int32(len(h.ids.ids))
		h.ids.ids = append(h.ids.ids, id)
	}
	for range sr.count(9) {
		item, v := sr.str(), sr.f64()
		if n, ok := h.ids.index[item]; ok {
			item = h.ids.ids[n] // share the interned string
		}
		h.trending.SetScore(item, v)
	}
	rank := h.ids.order()
	total := int64(0)
	for range sr.count(1 + 8 + 8 + 4 + 4) {
		total += sr.user(h, rank)
	}
	if sr.err == nil && (total != m.nEvents || m.nEvents < 0) {
		sr.fail("event counts disagree")
	}
	want := sr.crc
	if got := sr.u32(); sr.err == nil && (got != want || sr.left != 0) {
		sr.fail("checksum mismatch")
	}
	if sr.err != nil {
		return sr.err
	}
	h.lastSeq, h.nEvents = m.lastSeq, int(m.nEvents)
	h.restoreTracker(floor, high, seen, missing)
	return nil
}

// user reads one user's history into h and returns its event count. Entries must name known
// items in item id order (rank), as the histories keep them.
func (sr *snapReader) user(h *histories, rank []int32) int64 {
	id := sr.str()
	u := &history{n: int(sr.i64()), seq: sr.i64()}
	if nSess := sr.count(1); nSess > 0 {
		ids := make([]string, nSess)
		for i := range ids {
			ids[i] = sr.str()
		}
		u.sessions = packSessions(ids)
	}
	u.ents = make([]histEntry, sr.count(histEntrySize))
	for done := 0; done < len(u.ents) && sr.err == nil; {
		k := min(len(u.ents)-done, len(sr.buf)/histEntrySize)
		b := sr.read(k * histEntrySize)
		for i := range k {
			e := b[i*histEntrySize:]
			he := &u.ents[done+i]
			he.item = int32(binary.LittleEndian.Uint32(e))
			he.lastNano = int32(binary.LittleEndian.Uint32(e[4:]))
			he.lastSec = int64(binary.LittleEndian.Uint64(e[8:]))
			he.w = math.Float64frombits(binary.LittleEndian.Uint64(e[16:]))
			he.mass = math.Float64frombits(binary.LittleEndian.Uint64(e[24:]))
		}
		done += k
	}
	if sr.err != nil {
		return 0
	}
	if !sortedEntries(u.ents, rank) {
		sr.fail("history out of order")
		return 0
	}
	if _, dup := h.hist[id]; dup || u.n < 0 {
		sr.fail("user twice")
		return 0
	}
	h.hist[id] = u
	return int64(u.n)
}

// sortedEntries reports whether entries name known items in strictly increasing item id order.
func sortedEntries(ents []histEntry, rank []int32) bool {
	for i := range ents {
		if ents[i].item < 0 || int(ents[i].item) >= len(rank) {
			return false
		}
		if i > 0 && rank[ents[i-1].item] >= rank[ents[i].item] {
			return false
		}
	}
	return true
}
