//go:build race

package model

// facRace reports a -race build, where sync.Pool drops items at random and allocation counts
// are not meaningful.
const facRace = true
