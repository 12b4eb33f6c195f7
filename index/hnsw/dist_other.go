//go:build !amd64 || purego

package hnsw

const useBatchAVX2 = false

func dotBatchAVX2(q, base *float32, ids *int32, n, dim int, out *float32) { panic("unreachable") }
func l2BatchAVX2(q, base *float32, ids *int32, n, dim int, out *float32)  { panic("unreachable") }
func prefetch(p *int32)                                                   {}
