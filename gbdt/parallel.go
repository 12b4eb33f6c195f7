package gbdt

import (
	"sync"
	"sync/atomic"
)

// parallelFor calls fn(i) for every i in [0, n) on up to workers goroutines. Each i is done by
// one goroutine, so a result that depends only on i does not depend on workers.
func parallelFor(workers, n int, fn func(i int)) {
	if workers > n {
		workers = n
	}
	if workers <= 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// parallelChunks calls fn(lo, hi) over [0, n) cut into chunks of a fixed size, so the chunks,
// like parallelFor's indexes, do not depend on workers.
func parallelChunks(workers, n, chunk int, fn func(lo, hi int)) {
	parallelFor(workers, (n+chunk-1)/chunk, func(c int) {
		lo := c * chunk
		fn(lo, min(lo+chunk, n))
	})
}
