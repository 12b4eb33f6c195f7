//go:build !amd64 || purego

package model

const useGramAVX2 = false

func gramAdd4AVX2(a *float64, k int, ys *float64, c *float64) { panic("unreachable") }
