//go:build amd64 && !purego

package hnsw

import "golang.org/x/sys/cpu"

var useBatchAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// dotBatchAVX2 writes out[i] = -dot(q, vector ids[i]) for i < n; vectors are dim float32s
// apart from base. Every id must address a vector inside base.
//
//go:noescape
func dotBatchAVX2(q, base *float32, ids *int32, n, dim int, out *float32)

// l2BatchAVX2 writes out[i] = squared L2 distance of q to vector ids[i], as dotBatchAVX2.
//
//go:noescape
func l2BatchAVX2(q, base *float32, ids *int32, n, dim int, out *float32)

// prefetch asks the CPU to load the two cache lines at p.
//
//go:noescape
func prefetch(p *int32)
