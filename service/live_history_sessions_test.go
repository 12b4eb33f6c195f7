package service

import (
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
