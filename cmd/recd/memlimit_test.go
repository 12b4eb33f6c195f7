package main

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
)

// TestSetMemoryLimit: without GOMEMLIMIT the collector gets a soft limit below the machine's
// memory; with GOMEMLIMIT set, that one is kept.
func TestSetMemoryLimit(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the machine's memory is read from Linux's cgroup and sysinfo")
	}
	prev := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(prev)
	t.Setenv("GOMEMLIMIT", "")
	t.Setenv("AUTOMEMLIMIT", "0.9")
	debug.SetMemoryLimit(math.MaxInt64)
	setMemoryLimit()
	if n := debug.SetMemoryLimit(-1); n == math.MaxInt64 || n <= 0 {
		t.Fatalf("memory limit %d after setMemoryLimit, want a limit from the machine", n)
	} else if got := memoryLimit(); got == "none" {
		t.Errorf("memoryLimit() = %q with a limit of %d", got, n)
	}

	t.Setenv("GOMEMLIMIT", "1GiB")
	debug.SetMemoryLimit(math.MaxInt64)
	setMemoryLimit()
	if n := debug.SetMemoryLimit(-1); n != math.MaxInt64 {
		t.Errorf("memory limit %d with GOMEMLIMIT set in the environment; want it left to the runtime", n)
	}
	if got := memoryLimit(); got != "none" {
		t.Errorf("memoryLimit() = %q, want none", got)
	}
}
