package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"testing"
)

// TestAuth_match checks that matching compares against every key with the constant-time
// comparison whichever key matches, so timing does not reveal the matching key's position.
func TestAuth_match(t *testing.T) {
	var keys []APIKey
	for i := 0; i < 5; i++ {
		keys = append(keys, APIKey{Name: fmt.Sprint("k", i), Hash: HashKey(fmt.Sprint("secret", i)), Role: RoleRead})
	}
	a, err := NewAuth(keys, DefaultAuthOptions())
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	a.compare = func(x, y []byte) int { calls++; return subtle.ConstantTimeCompare(x, y) }
	for _, tc := range []struct {
		key  string
		want int
	}{{"secret0", 0}, {"secret4", 4}, {"secret2", 2}, {"nope", -1}} {
		calls = 0
		sum := sha256.Sum256([]byte(tc.key))
		if got := a.match(sum[:]); got != tc.want {
			t.Errorf("match(%s) = %d, want %d", tc.key, got, tc.want)
		}
		if calls != len(keys) {
			t.Errorf("match(%s) compared %d hashes, want all %d", tc.key, calls, len(keys))
		}
	}
}
