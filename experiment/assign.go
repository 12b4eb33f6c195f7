package experiment

import (
	"crypto/sha256"
	"encoding/binary"
	"hash/fnv"
)

// Bucket maps a unit of an experiment onto [0, 1): the first 53 bits of the SHA-256 of the
// experiment id, a zero byte and the unit id. It needs no state, so every replica computes
// the same bucket, and two experiments' buckets for one unit are independent.
func Bucket(experimentID, unit string) float64 {
	h := sha256.New()
	h.Write([]byte(experimentID))
	h.Write([]byte{0})
	h.Write([]byte(unit))
	var sum [sha256.Size]byte
	return float64(binary.BigEndian.Uint64(h.Sum(sum[:0]))>>11) / (1 << 53)
}

// Assign returns the index of the variant unit is assigned to: its bucket laid onto the
// variants' cumulative weights. The experiment must be valid (weights summing to a positive
// number). A variant of weight 0 is never assigned.
func (e *Experiment) Assign(unit string) int {
	total := 0.0
	for _, v := range e.Variants {
		total += v.Weight
	}
	x := Bucket(e.ID, unit) * total
	acc := 0.0
	last := 0
	for i, v := range e.Variants {
		if v.Weight <= 0 {
			continue
		}
		acc += v.Weight
		last = i
		if x < acc {
			return i
		}
	}
	return last // rounding at the top end
}

// Seed derives a team draft's seed from a list's recommendation id (FNV-1a 64), so the merge
// of one request can be replayed.
func Seed(recommendationID string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(recommendationID))
	return h.Sum64()
}
