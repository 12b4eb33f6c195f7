package codec

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/recd/recd"
)

func TestVector_RoundTrip(t *testing.T) {
	want := []float32{0, -1.5, 3e-38, float32(math.Inf(1)), math.MaxFloat32}
	b := EncodeVector(want)
	if len(b) != 4*len(want) {
		t.Fatalf("encoded %d bytes, want %d", len(b), 4*len(want))
	}
	if b[4] != 0x00 || b[7] != 0xbf { // -1.5 is 0xbfc00000, little-endian
		t.Errorf("-1.5 encoded as % x, want little-endian 00 00 c0 bf", b[4:8])
	}
	got, err := DecodeVector(b)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	if _, err := DecodeVector([]byte{1, 2, 3}); err == nil {
		t.Error("DecodeVector of 3 bytes: no error")
	}
}

func TestNanos(t *testing.T) {
	ts := time.Date(2024, 2, 29, 12, 0, 0, 123456789, time.FixedZone("x", 3600))
	ns, err := Nanos("f", ts)
	if err != nil {
		t.Fatal(err)
	}
	if got := Time(ns); !got.Equal(ts) || got.Location() != time.UTC {
		t.Errorf("Time(Nanos(%v)) = %v", ts, got)
	}
	for _, bad := range []time.Time{time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)} {
		var fe *recd.FieldError
		if _, err := Nanos("events[2].timestamp", bad); !errors.Is(err, recd.ErrInvalid) || !errors.As(err, &fe) || fe.Field != "events[2].timestamp" {
			t.Errorf("Nanos(%v) err = %v, want an invalid-field error naming the field", bad, err)
		}
	}
}

func TestSeqCursor(t *testing.T) {
	if seq, ok, err := ParseSeqCursor(SeqCursor(42)); seq != 42 || !ok || err != nil {
		t.Errorf("round trip = %d %v %v", seq, ok, err)
	}
	if _, ok, err := ParseSeqCursor(""); ok || err != nil {
		t.Errorf(`ParseSeqCursor("") = %v %v`, ok, err)
	}
	for _, bad := range []string{"x", "-1", "1.5", "99999999999999999999"} {
		if _, _, err := ParseSeqCursor(bad); !errors.Is(err, recd.ErrInvalid) {
			t.Errorf("ParseSeqCursor(%q) err = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestJSON(t *testing.T) {
	if got, err := Strings("tags", nil); got != "[]" || err != nil {
		t.Errorf("Strings(nil) = %q, %v", got, err)
	}
	enc, err := Strings("tags", []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	if l, err := ParseStrings(enc); err != nil || len(l) != 2 || l[1] != "b" {
		t.Errorf("ParseStrings round trip = %v, %v", l, err)
	}
	if _, err := Strings("tags", []string{"ok", "\x00"}); !errors.Is(err, recd.ErrInvalid) {
		t.Errorf("Strings with a NUL: err = %v, want ErrInvalid", err)
	}
	if _, err := Map("attributes", map[string]any{"f": func() {}}); !errors.Is(err, recd.ErrInvalid) {
		t.Errorf("Map of a func: err = %v, want ErrInvalid", err)
	}
	if _, err := Floats("metrics", map[string]float64{"m": math.NaN()}); !errors.Is(err, recd.ErrInvalid) {
		t.Errorf("Floats of NaN: err = %v, want ErrInvalid", err)
	}
	if m, err := ParseMap("{}"); err != nil || m != nil {
		t.Errorf(`ParseMap("{}") = %v, %v; want nil`, m, err)
	}
}
