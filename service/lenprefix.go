package service

import "encoding/binary"

// Length-prefixed strings, as the response cache's entries and the packed session ids of a
// history keep them: a uvarint of the length, then the bytes.

// appendString appends s, length first, to b.
func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// nextString reads the string appendString wrote at the front of p: the string (a substring
// of p) and what follows it; ok is false when p does not start with a whole one.
func nextString(p string) (s, rest string, ok bool) {
	n, w := readUvarint(p)
	if w <= 0 || uint64(len(p)-w) < n {
		return "", p, false
	}
	return p[w : w+int(n)], p[w+int(n):], true
}

// readUvarint is binary.Uvarint over the front of a string: the value and the bytes it took
// (0 or less when p does not start with one).
func readUvarint(p string) (uint64, int) {
	if len(p) > 0 && p[0] < 0x80 { // a length under 128, nearly every one
		return uint64(p[0]), 1
	}
	return binary.Uvarint([]byte(p[:min(len(p), binary.MaxVarintLen64)]))
}
