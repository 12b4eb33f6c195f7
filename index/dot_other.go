//go:build !amd64 || purego

package index

const useAVX2 = false

func dotAVX2(a, b *float32, n int) float32 { panic("unreachable") }
func l2AVX2(a, b *float32, n int) float32  { panic("unreachable") }
