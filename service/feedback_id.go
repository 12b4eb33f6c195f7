package service

import (
	"crypto/rand"
	"time"
)

// crockford is Crockford's base32 alphabet (no I, L, O, U); its characters sort in the order
// of their values, so ids compare as strings in the order of their bits.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// recommendationIDLen is the length of a recommendation id: 128 bits in 5-bit characters.
const recommendationIDLen = 26

// newRecommendationID returns a ULID-like id for a list served at t: 48 bits of Unix
// milliseconds then 80 bits from crypto/rand, in Crockford base32 (26 characters). Ids of
// lists served in different milliseconds sort by time as strings; ids within one millisecond
// are unique (by their random bits) but in no particular order.
func newRecommendationID(t time.Time) string {
	var b [16]byte
	ms := uint64(t.UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	_, _ = rand.Read(b[6:]) // crypto/rand.Read never fails (it panics instead)
	return encodeID(b)
}

// encodeID writes 128 bits as 26 base32 characters, most significant first; the first
// character carries the top 3 bits (as a ULID does), the other 25 five bits each.
func encodeID(b [16]byte) string {
	var out [recommendationIDLen]byte
	hi := uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
	lo := uint64(b[8])<<56 | uint64(b[9])<<48 | uint64(b[10])<<40 | uint64(b[11])<<32 |
		uint64(b[12])<<24 | uint64(b[13])<<16 | uint64(b[14])<<8 | uint64(b[15])
	for i := recommendationIDLen - 1; i >= 0; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}

// validRecommendationID reports whether s has the form of a recommendation id.
func validRecommendationID(s string) bool {
	if len(s) != recommendationIDLen || s[0] > '7' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' && c != 'I' && c != 'L' && c != 'O' && c != 'U') {
			return false
		}
	}
	return true
}

// ValidRecommendationID reports whether s has the form of a recommendation id, so that the
// HTTP layer can refuse a malformed one before any work.
func ValidRecommendationID(s string) bool { return validRecommendationID(s) }
