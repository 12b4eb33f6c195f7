package main

import (
	"fmt"
	"math"
	"runtime/debug"

	"github.com/KimMachineGun/automemlimit/memlimit"
)

// setMemoryLimit gives the Go collector a soft memory limit of 90% of the container's memory
// (its cgroup limit) or, without one, of the machine's. Without a limit the collector lets the
// heap grow to twice what is live before it collects, so a training run whose live heap was
// half the machine's memory could be killed for memory it did not need; with one it collects
// harder as the limit nears. GOMEMLIMIT, when set, is kept as it is; AUTOMEMLIMIT=off turns
// this off and AUTOMEMLIMIT=0.8 changes the share.
func setMemoryLimit() {
	_, _ = memlimit.Set(memlimit.WithProvider(memlimit.ApplyFallback(memlimit.FromCgroup, memlimit.FromSystem)))
}

// memoryLimit describes the collector's soft memory limit for the logs.
func memoryLimit() string {
	n := debug.SetMemoryLimit(-1)
	if n == math.MaxInt64 {
		return "none"
	}
	return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
}
