package service

import "time"

// seqTracker records which event sequence numbers a replica has applied, so that following
// the shared event log applies each event once even when the replica's own writes, its scans
// and sequence numbers committed out of order interleave. Every Seq <= floor is applied or
// known to be gone; seen holds applied numbers above it; missing holds the numbers between
// floor and high not seen yet, with the time each was first noticed missing. A number missing
// for longer than the grace period is taken to be gone for good (a rolled-back transaction,
// an event of a user deleted before it was seen) and floor moves past it. Not safe for
// concurrent use: memState.mu guards it (through histories).
type seqTracker struct {
	floor, high int64
	seen        map[int64]struct{}
	missing     map[int64]time.Time
}

// maxMissing bounds how many missing numbers are tracked; numbers beyond are taken as gone.
const maxMissing = 1 << 20

func newSeqTracker() *seqTracker {
	return &seqTracker{seen: map[int64]struct{}{}, missing: map[int64]time.Time{}}
}

// has reports whether seq was applied (or is below the floor).
func (t *seqTracker) has(seq int64) bool {
	if seq <= t.floor {
		return true
	}
	_, ok := t.seen[seq]
	return ok
}

// add marks seq applied and reports whether it was new. A Seq <= 0 (an event not from the
// store) is always new and not tracked.
func (t *seqTracker) add(seq int64) bool {
	if seq <= 0 {
		return true
	}
	if t.has(seq) {
		return false
	}
	if seq == t.floor+1 && len(t.seen) == 0 && len(t.missing) == 0 {
		t.floor, t.high = seq, max(t.high, seq) // the common, in-order case
		return true
	}
	t.seen[seq] = struct{}{}
	delete(t.missing, seq)
	if seq > t.high {
		now := time.Now()
		for n := max(t.high, t.floor) + 1; n < seq; n++ {
			if len(t.missing) >= maxMissing {
				break
			}
			t.missing[n] = now
		}
		t.high = seq
	}
	t.advance(time.Time{}, 0)
	return true
}

// advance moves floor past applied numbers and, when grace > 0, past numbers missing since
// before now-grace.
func (t *seqTracker) advance(now time.Time, grace time.Duration) {
	for t.floor < t.high {
		n := t.floor + 1
		if _, ok := t.seen[n]; ok {
			delete(t.seen, n)
			t.floor = n
			continue
		}
		// A number not tracked although below high overflowed maxMissing: taken as old.
		since, ok := t.missing[n]
		if grace > 0 && (!ok || now.Sub(since) >= grace) {
			delete(t.missing, n)
			t.floor = n
			continue
		}
		break
	}
}

// settle makes everything up to seq applied-or-gone; used after the initial load, which read
// a consistent prefix of the log.
func (t *seqTracker) settle(seq int64) {
	t.floor, t.high = max(t.floor, seq), max(t.high, seq)
	clear(t.seen)
	clear(t.missing)
}

// pending reports how many numbers below high are still missing.
func (t *seqTracker) pending() int { return len(t.missing) }
