//go:build amd64 && !purego

package model

import "golang.org/x/sys/cpu"

var useGramAVX2 = cpu.X86.HasAVX2

// gramAdd4AVX2 adds to the lower triangle of the k×k row-major matrix a the four rows of ys
// (four k-rows one after another) weighted by c: a[j][i] += c[n]·ys[n][j]·ys[n][i] for
// i <= j, the four terms added in turn, each product rounded before it is added (as
// alsScratch.exactAdd adds them one row at a time).
//
//go:noescape
func gramAdd4AVX2(a *float64, k int, ys *float64, c *float64)
