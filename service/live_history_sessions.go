package service

import (
	"encoding/binary"
	"iter"
	"strings"
)

// sessionIDs are the anonymous sessions a history names, packed into one string, each id
// preceded by its length as a uvarint. A 20M-event data set names about six sessions per
// user: as separate strings they were 800k of the 2.4M objects the collector marks in every
// cycle (a third of the live heap's objects), packed they are one per user. Values are
// immutable: add returns a new one.
type sessionIDs struct {
	packed string
	n      int32 // ids held
}

func (s sessionIDs) len() int { return int(s.n) }

// all yields the ids in the order they were added, as substrings of the packed string.
func (s sessionIDs) all() iter.Seq[string] {
	return func(yield func(string) bool) {
		for p := s.packed; len(p) > 0; {
			n, w := binary.Uvarint([]byte(p[:min(len(p), binary.MaxVarintLen64)]))
			if w <= 0 || uint64(len(p)-w) < n {
				return // not written by add: nothing more to read
			}
			if !yield(p[w : w+int(n)]) {
				return
			}
			p = p[w+int(n):]
		}
	}
}

// contains reports whether id is held: a scan that compares lengths before bytes (every
// event with a session id asks it, nearly always of an id held).
func (s sessionIDs) contains(id string) bool {
	for p := s.packed; len(p) > 0; {
		n, w := uint64(p[0]), 1
		if n >= 0x80 {
			n, w = binary.Uvarint([]byte(p[:min(len(p), binary.MaxVarintLen64)]))
			if w <= 0 {
				return false
			}
		}
		if uint64(len(p)-w) < n {
			return false
		}
		if int(n) == len(id) && p[w:w+int(n)] == id {
			return true
		}
		p = p[w+int(n):]
	}
	return false
}

// add returns s with id appended (a copy of its bytes).
func (s sessionIDs) add(id string) sessionIDs {
	var b strings.Builder
	b.Grow(len(s.packed) + uvarintLen(len(id)) + len(id))
	b.WriteString(s.packed)
	var l [binary.MaxVarintLen64]byte
	b.Write(l[:binary.PutUvarint(l[:], uint64(len(id)))])
	b.WriteString(id)
	return sessionIDs{packed: b.String(), n: s.n + 1}
}

// packSessions packs ids, in their order.
func packSessions(ids []string) sessionIDs {
	size := 0
	for _, id := range ids {
		size += uvarintLen(len(id)) + len(id)
	}
	var b strings.Builder
	b.Grow(size)
	var l [binary.MaxVarintLen64]byte
	for _, id := range ids {
		b.Write(l[:binary.PutUvarint(l[:], uint64(len(id)))])
		b.WriteString(id)
	}
	return sessionIDs{packed: b.String(), n: int32(len(ids))}
}

// uvarintLen is the length of n's uvarint encoding.
func uvarintLen(n int) int {
	var l [binary.MaxVarintLen64]byte
	return binary.PutUvarint(l[:], uint64(n))
}

// list returns the ids as a slice (for the callers that keep them).
func (s sessionIDs) list() []string {
	out := make([]string, 0, s.n)
	for x := range s.all() {
		out = append(out, x)
	}
	return out
}
