package server

import (
	"fmt"
	"sync/atomic"
	"testing"
)

// BenchmarkClientLimiter_AcquireRelease is every request's pass through the limiter: one
// shared key from 256 client addresses, and one key per client, with both shares bounded.
func BenchmarkClientLimiter_AcquireRelease(b *testing.B) {
	addrs := make([]string, 256)
	keys := make([]string, 256)
	for i := range addrs {
		addrs[i] = fmt.Sprintf("10.0.%d.%d", i/256, i%256)
		keys[i] = fmt.Sprintf("key-%d", i)
	}
	for _, shared := range []bool{true, false} {
		name := "key-per-client"
		if shared {
			name = "shared-key"
		}
		b.Run(name, func(b *testing.B) {
			l, err := NewClientLimiter(1<<20, 1<<20, nil)
			if err != nil {
				b.Fatal(err)
			}
			var next atomic.Int64
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := int(next.Add(1)) * 7919
				for pb.Next() {
					i++
					key, addr := keys[i%len(keys)], addrs[i%len(addrs)]
					if shared {
						key = "web"
					}
					if _, ok := l.acquire(key, addr); !ok {
						b.Fatal("refused under the bounds")
					}
					l.release(key, addr)
				}
			})
		})
	}
}
