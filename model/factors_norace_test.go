//go:build !race

package model

const facRace = false
