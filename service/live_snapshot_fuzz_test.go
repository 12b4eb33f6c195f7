package service

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"testing"
)

// snapshotBytes is the encoding of a small live state.
func snapshotBytes(t testing.TB) []byte {
	t.Helper()
	o := DefaultOptions()
	mem, err := newMemState(&o)
	if err != nil {
		t.Fatal(err)
	}
	evs := histEvents(3, 300, 5, 20)
	evs[7].SessionID = "s1"
	mem.addEvents(context.Background(), evs)
	img := mem.users.capture()
	img.meta.version, img.meta.storeID = liveSnapshotVersion, "store"
	img.sort()
	var buf bytes.Buffer
	if _, err := img.encode(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// decodeSnapshot decodes a whole snapshot into new histories.
func decodeSnapshot(b []byte) (*histories, error) {
	o := DefaultOptions()
	sr := newSnapReader(bytes.NewReader(b), int64(len(b)))
	m := sr.header()
	if sr.err != nil {
		return nil, sr.err
	}
	h := newHistories(o.Weights, o.TrendingHalfLife)
	return h, sr.body(h, &m)
}

// FuzzLiveSnapshot_Decode feeds the decoder mutations of a valid snapshot: it refuses what is
// not one without panicking, and what it accepts decodes to histories every read path can use
// (entries naming known items, in order).
func FuzzLiveSnapshot_Decode(f *testing.F) {
	valid := snapshotBytes(f)
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add([]byte("recdlive\x01\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := decodeSnapshot(b)
		if err != nil {
			if !errors.Is(err, errSnapshotCorrupt) {
				t.Fatalf("error %v is not errSnapshotCorrupt", err)
			}
			return
		}
		rank := h.ids.order()
		for id, u := range h.hist {
			if !sortedEntries(u.ents, rank) {
				t.Fatalf("user %s: entries out of order", id)
			}
			_ = u.interactions(&h.ids)
		}
	})
}

// TestLiveSnapshot_DecodeRefusesHugeCounts gives counts far past the file's size: the decoder
// refuses them before allocating.
func TestLiveSnapshot_DecodeRefusesHugeCounts(t *testing.T) {
	valid := snapshotBytes(t)
	if _, err := decodeSnapshot(valid); err != nil {
		t.Fatalf("valid snapshot: %v", err)
	}
	// The seen count sits after magic, version, the store id (1+5 bytes), schema, config and
	// five int64s.
	off := 8 + 4 + 6 + 4 + 8 + 5*8
	b := bytes.Clone(valid)
	copy(b[off:], []byte{0xff, 0xff, 0xff, 0x7f})
	allocs := testing.AllocsPerRun(5, func() {
		if _, err := decodeSnapshot(b); !errors.Is(err, errSnapshotCorrupt) {
			t.Fatalf("decode = %v, want errSnapshotCorrupt", err)
		}
	})
	// The reader's buffers and the empty histories, not 2^31 sequence numbers (16 GiB).
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _ = decodeSnapshot(b)
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; allocs > 100 || n > 4<<20 {
		t.Errorf("a refused count cost %v allocations, %d bytes", allocs, n)
	}
}
