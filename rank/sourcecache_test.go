package rank

import (
	"fmt"
	"testing"
	"time"
)

// testEntry is a source cache entry as a catalog of items makes it: EASE's scores over the
// catalog and a list of 50 items in each of four sources.
func testEntry(items int) *sourceEntry {
	e := &sourceEntry{version: "v1", k: 50, cfk: 50, at: time.Now(),
		ease: &easeState{scores: make([]float32, items), items: map[int32]float32{1: 1, 2: 1}}}
	for _, name := range []string{"ease", "popular", "cf", "content"} {
		l := SourceList{Name: name, Items: make([]SourceScore, 50)}
		e.lists = append(e.lists, l)
	}
	return e
}

// The cache never holds more than MaxBytes: the least recently used entries go first, a
// replaced entry is not counted twice, a forgotten one is subtracted, and an entry larger
// than the bound is not kept (and drops nothing).
func TestSourceCache_BytesBound(t *testing.T) {
	one := testEntry(10000).bytes()
	if one < 4*10000 {
		t.Fatalf("an entry with 10,000 EASE scores estimated at %d bytes, less than its scores alone", one)
	}
	c := NewSourceCache(SourceCacheOptions{Size: 1000, MaxBytes: 5*one + one/2, MaxAge: time.Hour})
	for u := range 50 {
		c.put(fmt.Sprintf("u%d", u), testEntry(10000))
		if got := c.Bytes(); got > c.opts.MaxBytes {
			t.Fatalf("after %d users: %d bytes held, bound %d", u+1, got, c.opts.MaxBytes)
		}
	}
	if got, want := c.Len(), 5; got != want {
		t.Errorf("Len = %d, want %d (the bytes bound, not Size 1000)", got, want)
	}
	for u := range 50 {
		kept := c.lookup(fmt.Sprintf("u%d", u), "v1", 50, 50, "") != nil
		if want := u >= 45; kept != want {
			t.Errorf("u%d kept %v, want %v (the most recently used five)", u, kept, want)
		}
	}
	before := c.Bytes()
	for range 10 {
		c.put("u49", testEntry(10000))
	}
	if got := c.Bytes(); got != before || c.Len() != 5 {
		t.Errorf("replacing u49's entry ten times: %d bytes, %d entries; want %d and 5", got, c.Len(), before)
	}
	c.put("huge", testEntry(100000))
	if c.lookup("huge", "v1", 50, 50, "") != nil || c.Len() != 5 || c.Bytes() != before {
		t.Errorf("an entry over the bound: kept %v, %d entries, %d bytes", c.lookup("huge", "v1", 50, 50, "") != nil, c.Len(), c.Bytes())
	}
	if !c.Forget("u49") || c.Bytes() != before-one {
		t.Errorf("after Forget(u49): %d bytes, want %d", c.Bytes(), before-one)
	}

	// Without a byte bound, Size alone bounds the entries.
	c = NewSourceCache(SourceCacheOptions{Size: 3, MaxAge: time.Hour})
	for u := range 10 {
		c.put(fmt.Sprintf("u%d", u), testEntry(10000))
	}
	if c.Len() != 3 || c.Bytes() != 3*one {
		t.Errorf("Size 3, no byte bound: %d entries, %d bytes; want 3 and %d", c.Len(), c.Bytes(), 3*one)
	}
}
