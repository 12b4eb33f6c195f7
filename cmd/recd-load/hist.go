package main

import (
	"math"
	"math/bits"
	"time"
)

// hist is a log-linear latency histogram in microseconds (HDR style): exact below 128 µs,
// then 64 sub-buckets per power of two, so a recorded value is off by at most 1/64 (1.6%).
// Memory is fixed (about 2,300 counters covers up to 2^37 µs, 38 hours). Not safe for
// concurrent use.
type hist struct {
	counts [128 + 31*64]uint64
	n      uint64
	max    time.Duration
	sum    time.Duration
}

const (
	histExact = 128
	histSub   = 64
)

func histIndex(us uint64) int {
	if us < histExact {
		return int(us)
	}
	shift := bits.Len64(us) - 7 // >= 1; us>>shift is in [64, 128)
	i := histExact + (shift-1)*histSub + int(us>>shift) - histSub
	if i >= len(hist{}.counts) {
		return len(hist{}.counts) - 1
	}
	return i
}

// histUpper returns the largest value (µs) that falls in bucket i.
func histUpper(i int) uint64 {
	if i < histExact {
		return uint64(i)
	}
	shift := (i-histExact)/histSub + 1
	base := uint64((i-histExact)%histSub + histSub)
	return (base+1)<<shift - 1
}

func (h *hist) record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[histIndex(uint64(d/time.Microsecond))]++
	h.n++
	h.sum += d
	if d > h.max {
		h.max = d
	}
}

// quantile returns the value at q (0..1): the upper edge of the bucket holding the q-th
// recorded value, capped at the maximum recorded, so it never understates latency.
func (h *hist) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	if rank < 1 {
		rank = 1
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			d := time.Duration(histUpper(i)) * time.Microsecond
			if d > h.max {
				d = h.max
			}
			return d
		}
	}
	return h.max
}

func (h *hist) mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return h.sum / time.Duration(h.n)
}
