package hnsw

import "unsafe"

// arena is a growable run of 4-byte words holding one of a graph's big per-node arrays
// (vectors, level-0 links). On Linux it is an anonymous memory mapping outside the Go heap,
// grown in place or moved by mremap: growing never copies the data nor holds two copies
// resident, and the garbage collector neither scans it nor counts it toward its heap goal,
// so a large index costs its size in RSS instead of up to twice that. Elsewhere (or when a
// mapping fails) it is an ordinary slice.
//
// The arena holds numbers only, never Go pointers. Slices returned by float32s and int32s
// are views that stay valid until the next grow or free; the graph re-takes its views
// after growing, under the index's exclusive lock. Not safe for concurrent grow.
type arena struct {
	mem    []byte // len is the capacity in bytes
	mapped bool
}

const minArenaBytes = 64 << 10

// grow makes room for at least words 4-byte words, keeping the contents; words beyond the
// old capacity read as zero.
func (a *arena) grow(words int) {
	need := 4 * words
	if need <= len(a.mem) {
		return
	}
	size := max(minArenaBytes, 2*len(a.mem))
	for size < need {
		size *= 2
	}
	if a.mapped {
		if mem, ok := remapBytes(a.mem, size); ok {
			a.mem = mem
			return
		}
	} else if len(a.mem) == 0 {
		if mem, ok := mapBytes(size); ok {
			a.mem, a.mapped = mem, true
			return
		}
	}
	mem := make([]byte, size)
	copy(mem, a.mem)
	a.free()
	a.mem = mem
}

// free releases the memory; the arena is empty afterwards and its views are invalid.
func (a *arena) free() {
	if a.mapped {
		unmapBytes(a.mem)
	}
	a.mem, a.mapped = nil, false
}

func (a *arena) float32s(n int) []float32 {
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(a.mem))), len(a.mem)/4)[:n]
}

func (a *arena) int32s(n int) []int32 {
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*int32)(unsafe.Pointer(unsafe.SliceData(a.mem))), len(a.mem)/4)[:n]
}
