package service

import (
	"bytes"
	"fmt"
	"io"
	"testing"
)

// benchSnapshotState is a live state of about entries distinct (user, item) pairs.
func benchSnapshotState(b *testing.B, entries int) *memState {
	b.Helper()
	o := DefaultOptions()
	mem, err := newMemState(&o)
	if err != nil {
		b.Fatal(err)
	}
	users := max(entries/150, 1)
	evs := histEvents(1, entries*5/4, users, 5000)
	mem.users.beginLoad() // as a start loads: much faster to set up than event by event
	for k := range evs {
		mem.users.observe(&evs[k])
	}
	mem.users.endLoad()
	return mem
}

// BenchmarkLiveSnapshot_Save is a save without the file: the copy under the lock, the sort
// and the encoding; bytes/s is the snapshot's size over the time.
func BenchmarkLiveSnapshot_Save(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			mem := benchSnapshotState(b, n)
			size, err := mem.users.capture().encode(io.Discard)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				mem.mu.RLock()
				img := mem.users.capture()
				mem.mu.RUnlock()
				img.sort()
				if _, err := img.encode(io.Discard); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(countEntries(mem)), "ns/entry")
		})
	}
}

// BenchmarkLiveSnapshot_Load decodes a snapshot held in memory into new histories, as a start
// does after its checks.
func BenchmarkLiveSnapshot_Load(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			mem := benchSnapshotState(b, n)
			img := mem.users.capture()
			img.meta.version = liveSnapshotVersion
			var buf bytes.Buffer
			if _, err := img.encode(&buf); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(buf.Len()))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := decodeSnapshot(buf.Bytes()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(countEntries(mem)), "ns/entry")
		})
	}
}

func countEntries(m *memState) int {
	n := 0
	for _, u := range m.users.hist {
		n += len(u.ents)
	}
	return n
}
