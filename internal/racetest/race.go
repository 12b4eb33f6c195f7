//go:build race

package racetest

// Enabled is true when the binary is built with -race.
const Enabled = true

// SkipMsg is the reason given by tests skipped under the race detector.
const SkipMsg = "quality check on the bundled data: runs in the non-race pass of .ci/run"
