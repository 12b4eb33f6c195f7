package main

import (
	"os"
	"runtime/metrics"
	"runtime/pprof"
	"time"
)

// peakHeapProfile watches the live heap and writes a heap profile to path each time it
// reaches a new high (10% above the last one written), so that the file left at exit shows
// what held the memory at the process's peak rather than at its end. It is for operators
// chasing a job's memory (RECD_MEMPROFILE); the returned stop ends the watch.
func peakHeapProfile(path string, every time.Duration) (stop func()) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(every)
		defer tick.Stop()
		var written uint64
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			metrics.Read(sample)
			if live := sample[0].Value.Uint64(); live > written+written/10 {
				if writeHeapProfile(path) == nil {
					written = live
				}
			}
		}
	}()
	return func() { close(done); <-finished }
}

// writeHeapProfile writes the heap profile to a temporary file and renames it over path, so
// that a reader never sees half a profile.
func writeHeapProfile(path string) error {
	f, err := os.Create(path + ".tmp")
	if err != nil {
		return err
	}
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}
