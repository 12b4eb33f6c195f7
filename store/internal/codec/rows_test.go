package codec

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/recd/recd"
)

// An invalid entry's error names its path in the batch; a valid one comes back in UTC with
// its nanoseconds, and a zero time becomes now.
func TestEncodeEvent(t *testing.T) {
	now := time.Unix(1_700_000_000, 7)
	at := time.Date(2020, 1, 2, 3, 4, 5, 6, time.FixedZone("x", 3600))
	e, ts, err := EncodeEvent(0, recd.Event{UserID: "u", ItemID: "i", Type: "click", Timestamp: at}, now)
	if err != nil || ts != at.UnixNano() || e.Timestamp.Location() != time.UTC || !e.Timestamp.Equal(at) {
		t.Fatalf("valid event: %v %d %v", e.Timestamp, ts, err)
	}
	if _, ts, err := EncodeEvent(0, recd.Event{UserID: "u", ItemID: "i", Type: "click"}, now); err != nil || ts != now.UnixNano() {
		t.Fatalf("zero time: %d %v, want now", ts, err)
	}
	bad := -1
	for _, c := range []struct {
		e     recd.Event
		field string
	}{
		{recd.Event{UserID: "u\x00", ItemID: "i", Type: "click"}, "events[3].user_id"},
		{recd.Event{UserID: "u", ItemID: "i", Type: "click", SessionID: "\xff"}, "events[3].session_id"},
		{recd.Event{UserID: "u", ItemID: "i", Type: "click", Value: math.NaN()}, "events[3].value"},
		{recd.Event{UserID: "u", ItemID: "i", Type: "click", Position: &bad}, "events[3].position"},
		{recd.Event{UserID: "u", ItemID: "i", Type: "click", Timestamp: time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)}, "events[3].timestamp"},
	} {
		_, _, err := EncodeEvent(3, c.e, now)
		var fe *recd.FieldError
		if !errors.As(err, &fe) || fe.Field != c.field || !errors.Is(err, recd.ErrInvalid) {
			t.Errorf("%+v: %v, want an invalid %s", c.e, err, c.field)
		}
	}
}

func BenchmarkEncodeEvent(b *testing.B) {
	e := recd.Event{UserID: "u123456", ItemID: "i98765", Type: "rating", Value: 4.5, SessionID: "u123456-s7",
		Timestamp: time.Unix(1_700_000_000, 0)}
	now := time.Now()
	b.ReportAllocs()
	for i := range b.N {
		if _, _, err := EncodeEvent(i, e, now); err != nil {
			b.Fatal(err)
		}
	}
}
