package service

import (
	"encoding/binary"
	"iter"
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
			id, rest, ok := nextString(p)
			if !ok || !yield(id) {
				return
			}
			p = rest
		}
	}
}

// contains reports whether id is held (every event with a session id asks it, nearly always
// of an id held).
func (s sessionIDs) contains(id string) bool {
	for p := s.packed; len(p) > 0; {
		x, rest, ok := nextString(p)
		if !ok {
			return false
		}
		if x == id {
			return true
		}
		p = rest
	}
	return false
}

// add returns s with id appended (a copy of its bytes).
func (s sessionIDs) add(id string) sessionIDs {
	var l [binary.MaxVarintLen64]byte
	return sessionIDs{packed: s.packed + string(binary.AppendUvarint(l[:0], uint64(len(id)))) + id, n: s.n + 1}
}

// packSessions packs ids, in their order.
func packSessions(ids []string) sessionIDs {
	size := 0
	for _, id := range ids {
		size += binary.MaxVarintLen64 + len(id)
	}
	b := make([]byte, 0, size)
	for _, id := range ids {
		b = appendString(b, id)
	}
	return sessionIDs{packed: string(b), n: int32(len(ids))}
}

// list returns the ids as a slice (for the callers that keep them).
func (s sessionIDs) list() []string {
	out := make([]string, 0, s.n)
	for x := range s.all() {
		out = append(out, x)
	}
	return out
}
