package server

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// Many clients at once, over the shards: no key or address is ever admitted past its share,
// and once every request is answered the limiter holds nothing, however many distinct keys
// and addresses (a hostile client's choice) it has seen.
func TestClientLimiter_ShardedCountsStayExactAndBounded(t *testing.T) {
	const perKey, perAddr = 6, 2
	l, err := NewClientLimiter(perKey, perAddr, nil)
	if err != nil {
		t.Fatal(err)
	}
	var inKey [4]atomic.Int32
	var inAddr [4][8]atomic.Int32
	var over atomic.Int32
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				k, a := (g+i)%4, (g*7+i)%8
				key, addr := fmt.Sprint("key", k), fmt.Sprint("10.0.0.", a)
				if _, ok := l.acquire(key, addr); !ok {
					continue
				}
				if inKey[k].Add(1) > perKey || inAddr[k][a].Add(1) > perAddr {
					over.Add(1)
				}
				inKey[k].Add(-1)
				inAddr[k][a].Add(-1)
				l.release(key, addr)
			}
		}()
	}
	// A hostile client: every request from a new address of a new key.
	for i := range 5000 {
		key, addr := fmt.Sprint("h", i), fmt.Sprint("192.0.2.", i)
		if _, ok := l.acquire(key, addr); !ok {
			t.Fatalf("request %d of a fresh key and address refused", i)
		}
		l.release(key, addr)
	}
	wg.Wait()
	if n := over.Load(); n != 0 {
		t.Errorf("%d admissions past a share", n)
	}
	if keys, addrs := l.tracked(); keys != 0 || addrs != 0 {
		t.Errorf("after every request answered: %d keys and %d addresses held, want none", keys, addrs)
	}
}

// With neither share bounded the limiter counts nothing.
func TestClientLimiter_UnboundedCountsNothing(t *testing.T) {
	l, err := NewClientLimiter(0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := l.acquire("k", "a"); !ok {
		t.Fatal("refused with no bounds")
	}
	if keys, addrs := l.tracked(); keys != 0 || addrs != 0 {
		t.Errorf("held %d keys and %d addresses, want none", keys, addrs)
	}
	l.release("k", "a")
}
