package service

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestNewRecommendationID_Form(t *testing.T) {
	id := newRecommendationID(time.Now())
	if len(id) != 26 || !validRecommendationID(id) {
		t.Fatalf("newRecommendationID = %q, want 26 Crockford base32 characters", id)
	}
	for _, bad := range []string{"", "8ZZZZZZZZZZZZZZZZZZZZZZZZZ", strings.Repeat("0", 25) + "U", strings.Repeat("0", 27)} {
		if validRecommendationID(bad) {
			t.Errorf("validRecommendationID(%q) = true", bad)
		}
	}
}

// The encoder agrees with the ULID specification's layout: all-zero bits are all '0', all-one
// bits are "7ZZZ...", and the time occupies the first 10 characters.
func TestEncodeID_KnownValues(t *testing.T) {
	var zero, ones [16]byte
	for i := range ones {
		ones[i] = 0xff
	}
	if got, want := encodeID(zero), strings.Repeat("0", 26); got != want {
		t.Errorf("encodeID(0) = %q, want %q", got, want)
	}
	if got, want := encodeID(ones), "7"+strings.Repeat("Z", 25); got != want {
		t.Errorf("encodeID(max) = %q, want %q", got, want)
	}
	// 1469918176385 ms is the ULID specification's example time, 01ARYZ6S41.
	id := newRecommendationID(time.UnixMilli(1469918176385))
	if got, want := id[:10], "01ARYZ6S41"; got != want {
		t.Errorf("time part = %q, want %q", got, want)
	}
}

func TestNewRecommendationID_SortsByTimeAndIsUnique(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 21, 0, 0, 0, time.UTC)
	const n = 10000
	ids := make([]string, n)
	seen := make(map[string]bool, n)
	for i := range ids {
		ids[i] = newRecommendationID(t0.Add(time.Duration(i/4) * time.Millisecond)) // 4 per millisecond
		if seen[ids[i]] {
			t.Fatalf("id %q repeated", ids[i])
		}
		seen[ids[i]] = true
	}
	for i := 4; i < n; i++ {
		if prev := ids[i-4]; prev >= ids[i] {
			t.Fatalf("id of a later millisecond %q does not sort after %q", ids[i], prev)
		}
	}
	if !slices.IsSortedFunc(ids, func(a, b string) int { return strings.Compare(a[:10], b[:10]) }) {
		t.Error("time parts are not in time order")
	}
}
