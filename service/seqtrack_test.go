package service

import (
	"testing"
	"time"
)

func TestSeqTracker_Add(t *testing.T) {
	t.Run("InOrder", func(t *testing.T) {
		tr := newSeqTracker()
		for seq := int64(1); seq <= 5; seq++ {
			if !tr.add(seq) {
				t.Fatalf("add(%d) = false on first sight", seq)
			}
		}
		if tr.floor != 5 || len(tr.seen) != 0 || tr.pending() != 0 {
			t.Errorf("floor %d, seen %d, pending %d; want 5, 0, 0", tr.floor, len(tr.seen), tr.pending())
		}
		if tr.add(3) {
			t.Error("add(3) again = true")
		}
	})
	t.Run("OutOfOrder", func(t *testing.T) {
		// 4 commits before 3: a pass from the floor sees 4, the next sees 3 and skips 4.
		tr := newSeqTracker()
		tr.add(1)
		tr.add(2)
		tr.add(4)
		if tr.floor != 2 || !tr.has(4) || tr.has(3) || tr.pending() != 1 {
			t.Fatalf("after 1,2,4: floor %d, has(4) %v, has(3) %v, pending %d", tr.floor, tr.has(4), tr.has(3), tr.pending())
		}
		if tr.add(4) {
			t.Error("add(4) again = true")
		}
		if !tr.add(3) {
			t.Error("add(3), arriving late, = false")
		}
		if tr.floor != 4 || len(tr.seen) != 0 || tr.pending() != 0 {
			t.Errorf("after 3: floor %d, seen %d, pending %d; want 4, 0, 0", tr.floor, len(tr.seen), tr.pending())
		}
	})
	t.Run("GapsExpire", func(t *testing.T) {
		tr := newSeqTracker()
		tr.add(1)
		tr.add(5) // 2..4 rolled back
		now := time.Now()
		tr.advance(now, time.Minute)
		if tr.floor != 1 {
			t.Fatalf("floor moved to %d before the grace ended", tr.floor)
		}
		tr.advance(now.Add(2*time.Minute), time.Minute)
		if tr.floor != 5 || tr.pending() != 0 || len(tr.seen) != 0 {
			t.Errorf("after the grace: floor %d, pending %d, seen %d; want 5, 0, 0", tr.floor, tr.pending(), len(tr.seen))
		}
		if !tr.add(6) || tr.floor != 6 {
			t.Errorf("add(6) after the gap: floor %d", tr.floor)
		}
	})
	t.Run("Settle", func(t *testing.T) {
		tr := newSeqTracker()
		tr.add(3)
		tr.settle(10)
		if tr.floor != 10 || tr.pending() != 0 || !tr.has(7) || tr.has(11) {
			t.Errorf("after settle(10): floor %d, pending %d", tr.floor, tr.pending())
		}
	})
	t.Run("UntrackedSeq", func(t *testing.T) {
		tr := newSeqTracker()
		first, again := tr.add(0), tr.add(0)
		if !first || !again || tr.floor != 0 {
			t.Errorf("an event without a Seq is always new and not tracked: floor %d", tr.floor)
		}
	})
}
