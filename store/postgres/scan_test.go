package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/recd/recd"
)

// ScanEvents reads the next page while fn takes the current one: over several pages it still
// gives every event once in Seq order, stops at fn's error, and ends with the context's error
// when the context ends mid-scan (never as if the events had run out). goleak (TestMain)
// checks that no reader outlives a scan.
func TestScanEvents_Pages(t *testing.T) {
	o := &schemaOpener{dsn: testDSN(t), created: map[string]bool{}}
	s := o.open(t)
	defer s.Close()
	ctx := t.Context()
	const n = 12_345 // three pages of 5,000
	base := time.Unix(1_700_000_000, 0).UTC()
	for lo := 0; lo < n; lo += 2500 {
		batch := make([]recd.Event, 0, 2500)
		for i := lo; i < min(lo+2500, n); i++ {
			batch = append(batch, recd.Event{UserID: fmt.Sprintf("u%d", i%97), ItemID: fmt.Sprintf("i%d", i),
				Type: recd.EventClick, Value: 1, Timestamp: base.Add(time.Duration(i) * time.Second)})
		}
		if _, err := s.AddEvents(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	for _, after := range []int64{0, 4999, 5000, 12_000} {
		var last int64 = after
		count := 0
		if err := s.ScanEvents(ctx, after, func(e recd.Event) error {
			if e.Seq <= last {
				return fmt.Errorf("seq %d after %d", e.Seq, last)
			}
			last = e.Seq
			count++
			return nil
		}); err != nil {
			t.Fatalf("ScanEvents(%d): %v", after, err)
		}
		if want := n - int(after); count != want {
			t.Errorf("ScanEvents(%d) gave %d events, want %d", after, count, want)
		}
	}

	stop := errors.New("stop")
	calls := 0
	if err := s.ScanEvents(ctx, 0, func(recd.Event) error {
		if calls++; calls == 7000 {
			return stop
		}
		return nil
	}); !errors.Is(err, stop) || calls != 7000 {
		t.Errorf("ScanEvents stopped by fn: %v after %d calls, want stop after 7000", err, calls)
	}

	cctx, cancel := context.WithCancel(ctx)
	calls = 0
	err := s.ScanEvents(cctx, 0, func(recd.Event) error {
		if calls++; calls == 6000 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || calls >= n {
		t.Errorf("ScanEvents with its context cancelled after 6,000 events: %v after %d calls, want context.Canceled before the end", err, calls)
	}
}
