package service

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
)

// This file is the snapshot's byte format, little-endian throughout:
//
//	magic "recdlive", version u32, store id (string), schema u32, config u64, created i64,
//	lastSeq i64, nEvents i64, floor i64, high i64, seen (count u32, i64 each),
//	missing (count u32, i64 each), item ids (count u32, string each),
//	trending (count u32, then item string and log score f64 each),
//	users (count u32, then each: id string, events i64, newest Seq i64,
//	sessions (count u32, string each), entries (count u32, 32 bytes each:
//	item u32, lastNano u32, lastSec i64, weight f64, mass f64)),
//	CRC-32C (Castagnoli) u32 of every byte before it.
//
// A string is its length (uvarint) and its bytes. The decoder checks every count and length
// against the bytes left in the file before allocating, so garbage costs at most a few times
// the file's size and never panics; the checksum then rejects what the checks let through.

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errSnapshotCorrupt is returned for a snapshot whose bytes do not decode or whose checksum
// does not match.
var errSnapshotCorrupt = errors.New("live snapshot corrupt")

// maxSnapString bounds a string in a snapshot (ids are at most 512 bytes).
const maxSnapString = 1 << 16

// histEntrySize is an entry's encoded size.
const histEntrySize = 32

// snapWriter writes the snapshot's fields and sums them into the checksum; the first error
// sticks and later writes do nothing.
type snapWriter struct {
	w   *bufio.Writer
	crc uint32
	n   int64
	buf []byte
	err error
}

func newSnapWriter(w io.Writer) *snapWriter {
	return &snapWriter{w: bufio.NewWriterSize(w, 1<<20), buf: make([]byte, 0, 64<<10)}
}

func (sw *snapWriter) write(p []byte) {
	if sw.err != nil {
		return
	}
	sw.crc = crc32.Update(sw.crc, castagnoli, p)
	_, sw.err = sw.w.Write(p)
	sw.n += int64(len(p))
}

func (sw *snapWriter) u32(v uint32) { sw.write(binary.LittleEndian.AppendUint32(sw.buf[:0], v)) }
func (sw *snapWriter) i64(v int64)  { sw.write(binary.LittleEndian.AppendUint64(sw.buf[:0], uint64(v))) }
func (sw *snapWriter) f64(v float64) {
	sw.write(binary.LittleEndian.AppendUint64(sw.buf[:0], math.Float64bits(v)))
}

func (sw *snapWriter) str(s string) {
	b := binary.AppendUvarint(sw.buf[:0], uint64(len(s)))
	sw.write(append(b, s...))
}

// entries writes a history's entries, a bufferful at a time.
func (sw *snapWriter) entries(ents []histEntry) {
	sw.u32(uint32(len(ents)))
	for len(ents) > 0 {
		k := min(len(ents), cap(sw.buf)/histEntrySize)
		b := sw.buf[:0]
		for i := range ents[:k] {
			he := &ents[i]
			b = binary.LittleEndian.AppendUint32(b, uint32(he.item))
			b = binary.LittleEndian.AppendUint32(b, uint32(he.lastNano))
			b = binary.LittleEndian.AppendUint64(b, uint64(he.lastSec))
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(he.w))
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(he.mass))
		}
		sw.write(b)
		ents = ents[k:]
	}
}

// encode writes the image and its checksum, and flushes; it returns the bytes written.
func (img *liveImage) encode(w io.Writer) (int64, error) {
	sw := newSnapWriter(w)
	m := &img.meta
	sw.write(liveSnapshotMagic[:])
	sw.u32(liveSnapshotVersion)
	sw.str(m.storeID)
	sw.u32(uint32(m.schema))
	sw.i64(int64(m.config))
	for _, v := range []int64{m.created, m.lastSeq, m.nEvents, img.floor, img.high} {
		sw.i64(v)
	}
	for _, seqs := range [][]int64{img.seen, img.missing} {
		sw.u32(uint32(len(seqs)))
		for _, s := range seqs {
			sw.i64(s)
		}
	}
	sw.u32(uint32(len(img.ids)))
	for _, id := range img.ids {
		sw.str(id)
	}
	sw.u32(uint32(len(img.trending)))
	for _, t := range img.trending {
		sw.str(t.item)
		sw.f64(t.logS)
	}
	sw.u32(uint32(len(img.users)))
	for i := range img.users {
		u := &img.users[i]
		sw.str(u.id)
		sw.i64(int64(u.n))
		sw.i64(u.seq)
		sw.u32(uint32(u.sessions.len()))
		for s := range u.sessions.all() {
			sw.str(s)
		}
		sw.entries(u.ents)
	}
	crc := sw.crc
	sw.u32(crc)
	if sw.err == nil {
		sw.err = sw.w.Flush()
	}
	if sw.err != nil {
		return sw.n, fmt.Errorf("write live snapshot: %w", sw.err)
	}
	return sw.n, nil
}
