package service

import (
	"fmt"
	"testing"

	"github.com/recd/recd/rank"
)

// TestCacheKey_FixedSize: a response-cache key has the same small size whatever the request
// carries, so a client's long lists are not kept in every cache entry, and requests that
// differ in any list still get different keys.
func TestCacheKey_FixedSize(t *testing.T) {
	for _, n := range []int{0, 10, 1000} {
		ex := make([]string, n)
		for i := range ex {
			ex[i] = fmt.Sprintf("item-%0200d", i)
		}
		a := RecommendRequest{UserID: "u", N: 10, Rules: rank.Rules{Exclude: ex}}
		b := RecommendRequest{UserID: "u", N: 10, Rules: rank.Rules{Exclude: append(append([]string{}, ex...), "x")}}
		ka, kb := cacheKey(&a), cacheKey(&b)
		if len(ka) != 32 || len(kb) != 32 {
			t.Errorf("%d excludes: key sizes %d and %d, want 32", n, len(ka), len(kb))
		}
		if ka == kb {
			t.Errorf("%d excludes: requests that differ share a key", n)
		}
	}
}
