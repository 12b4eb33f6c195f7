package service

import (
	"fmt"
	"testing"

	"github.com/recd/recd/rank"
)

// TestCacheKey_FixedSize: a response-cache key is the user id and a fixed-size hash whatever
// the request carries, so a client's long lists are not kept in every cache entry, requests
// that differ in any list still get different keys, and a deleted user's entries can be
// found by the id.
func TestCacheKey_FixedSize(t *testing.T) {
	for _, n := range []int{0, 10, 1000} {
		ex := make([]string, n)
		for i := range ex {
			ex[i] = fmt.Sprintf("item-%0200d", i)
		}
		a := RecommendRequest{UserID: "u", N: 10, Rules: rank.Rules{Exclude: ex}}
		b := RecommendRequest{UserID: "u", N: 10, Rules: rank.Rules{Exclude: append(append([]string{}, ex...), "x")}}
		ka, kb := cacheKey(&a), cacheKey(&b)
		// the user id, a separator, and a SHA-256 of the request's shape
		if want := len("u") + 1 + 32; len(ka) != want || len(kb) != want {
			t.Errorf("%d excludes: key sizes %d and %d, want %d", n, len(ka), len(kb), want)
		}
		if ka == kb {
			t.Errorf("%d excludes: requests that differ share a key", n)
		}
	}
}
