//go:build amd64 && !purego

package index

import "golang.org/x/sys/cpu"

var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// dotAVX2 returns the dot product of n float32s at a and b (AVX2 + FMA).
//
//go:noescape
func dotAVX2(a, b *float32, n int) float32

// l2AVX2 returns the squared Euclidean distance of n float32s at a and b (AVX2 + FMA).
//
//go:noescape
func l2AVX2(a, b *float32, n int) float32
