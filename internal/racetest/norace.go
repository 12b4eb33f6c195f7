//go:build !race

// Package racetest tells tests whether the race detector is on, so that long numeric quality
// checks (which the race detector slows ten-fold and cannot improve) run in the separate
// non-race pass of .ci/run instead.
package racetest

// Enabled is true when the binary is built with -race.
const Enabled = false

// SkipMsg is the reason given by tests skipped under the race detector.
const SkipMsg = "quality check on the bundled data: runs in the non-race pass of .ci/run"

// TrainMsg is the reason given by end-to-end tests skipped under the race detector because
// they train models (ten-fold slower with it); the concurrency they exercise is covered by
// smaller tests that do run under it.
const TrainMsg = "trains models end to end: runs in the non-race pass of .ci/run"
