package service

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestSessionIDs(t *testing.T) {
	ids := []string{"s1", strings.Repeat("x", 300), "a\x00b", "é", "s1x"}
	var s sessionIDs
	for k, id := range ids {
		if s.contains(id) {
			t.Fatalf("contains %q before it was added", id)
		}
		s = s.add(id)
		if s.len() != k+1 || !s.contains(id) {
			t.Fatalf("after adding %q: len %d, contains %v", id, s.len(), s.contains(id))
		}
	}
	if got := s.list(); !slices.Equal(got, ids) {
		t.Fatalf("list %q, want %q", got, ids)
	}
	if s.contains("s") || s.contains("x") || s.contains("a") {
		t.Fatal("a prefix of an id counts as an id")
	}
	if p := packSessions(ids); p != s {
		t.Fatalf("packSessions %+v, adds %+v", p, s)
	}
	if got := (sessionIDs{}).list(); len(got) != 0 {
		t.Fatalf("empty list %q", got)
	}
}

// BenchmarkSessionIDs_Contains is the check each event with a session id makes against its
// user's sessions (the id named last, the common case: a session's later events), packed and,
// for comparison, as the slice of strings it replaced.
func BenchmarkSessionIDs_Contains(b *testing.B) {
	for _, n := range []int{6, 64} {
		ids := make([]string, n)
		for i := range ids {
			ids[i] = fmt.Sprintf("sess-%08x-%d", i*2654435761, i)
		}
		packed, last := packSessions(ids), ids[n-1]
		b.Run(fmt.Sprintf("packed/%d", n), func(b *testing.B) {
			for b.Loop() {
				if !packed.contains(last) {
					b.Fatal("missing")
				}
			}
		})
		b.Run(fmt.Sprintf("strings/%d", n), func(b *testing.B) {
			for b.Loop() {
				if !slices.Contains(ids, last) {
					b.Fatal("missing")
				}
			}
		})
	}
}
