package service_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/index/hnsw"
	"github.com/recd/recd/service"
	"github.com/recd/recd/store/sqlite"
)

func TestLimits_ValidateID(t *testing.T) {
	l := service.DefaultLimits()
	for _, id := range []string{"", ".", "..", "a b", "a/b", "a\tb", "a\x00b", "a\u0085b", "a\u00A0b", "a\u2028b", "a\u3000b",
		"a\u202Eb", "a\u202Db", "a\u2066b", "a\u200Bb", "a\u200Cb", "a\u200Db", "a\u2060b", "\uFEFF", "a\u00ADb",
		"a\uFE0Fb", "a\U000E0100b", "a\u034Fb", "a\u115Fb", "a\u3164b", "a\uFFA0b", "a\U000E0041b",
		"a\uE000b", "a\U000F0000b", "a\U000E0080b", "a\uFFFDb", "a\xffb", "\xc3", strings.Repeat("x", l.MaxIDLength+1)} {
		err := l.ValidateID("f", id)
		var fe *recd.FieldError
		if !errors.As(err, &fe) || fe.Field != "f" || !errors.Is(err, recd.ErrInvalid) {
			t.Errorf("ValidateID(%q) = %v, want an invalid-argument error naming f", id, err)
		}
	}
	for _, id := range []string{"a", "i42", "café", "日本語", "Ωmega", "a.b", "..a", "a..", ".a", "user@example.com", "a%2Fb",
		"smile😀", "a+b", "A-Z_0:9", "עברית", "ا", strings.Repeat("x", l.MaxIDLength)} {
		if err := l.ValidateID("f", id); err != nil {
			t.Errorf("ValidateID(%q) = %v, want nil", id, err)
		}
	}
}

// TestService_AddEvents_TimeBounds: the configured bounds decide, and every out-of-range
// timestamp gets the same error.
func TestService_AddEvents_TimeBounds(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "recd.db"), sqlite.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	idx, err := hnsw.New(hnsw.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	o := service.DefaultOptions()
	o.Index, o.AutoCreateItems = idx, true
	o.MaxFutureSkew, o.MinTimestamp = time.Hour, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	svc, err := service.New(ctx, st, o)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	add := func(ts time.Time) error {
		_, err := svc.AddEvents(ctx, []recd.Event{{UserID: "u", ItemID: "i", Type: "view", Timestamp: ts}})
		return err
	}
	for _, ts := range []time.Time{o.MinTimestamp, now.Add(59 * time.Minute), now.Add(-time.Hour), {}} {
		if err := add(ts); err != nil {
			t.Errorf("timestamp %v: %v, want it stored", ts, err)
		}
	}
	var first string
	for _, ts := range []time.Time{o.MinTimestamp.Add(-time.Nanosecond), now.Add(61 * time.Minute), time.Unix(0, 0),
		time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(20000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC)} {
		err := add(ts)
		var fe *recd.FieldError
		if !errors.As(err, &fe) || fe.Field != "[0].timestamp" || !errors.Is(err, recd.ErrInvalid) {
			t.Errorf("timestamp %v: %v, want an invalid-argument error naming [0].timestamp", ts, err)
			continue
		}
		if first == "" {
			first = err.Error()
		} else if err.Error() != first {
			t.Errorf("timestamp %v: %q, want the same message as every out-of-range value, %q", ts, err, first)
		}
	}
	if !strings.Contains(first, "2000-01-01T00:00:00Z") || !strings.Contains(first, "1h0m0s") {
		t.Errorf("message %q does not say the bounds", first)
	}
}
