package service

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recd/recd/store"
)

// BenchmarkRecentLists_Add is every served list's pass through attribution's recent lists:
// lists of 10 items served to 10,000 users from parallel requests.
func BenchmarkRecentLists_Add(b *testing.B) {
	users := make([]string, 10000)
	for i := range users {
		users[i] = fmt.Sprint("u", i)
	}
	items := make([]store.ImpressionItem, 10)
	for i := range items {
		items[i] = store.ImpressionItem{ItemID: fmt.Sprint("i", i), Position: i}
	}
	c := newRecentLists(time.Hour)
	now := time.Now()
	var next atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := int(next.Add(1)) * 7919
		for pb.Next() {
			i++
			c.add(store.Impression{ID: "r", UserID: users[i%len(users)], Time: now, Items: items})
		}
	})
}
