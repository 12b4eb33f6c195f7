//go:build amd64 && !purego

package gbdt

// useWalkAsm: the eight-row walk in assembly (walkGroups) needs SSE2 only, which every amd64
// processor has.
const useWalkAsm = true

// walkGroups walks one tree of the given depth (at least 1) for groups of eight rows and adds
// each row's leaf value to its out. splits is the tree's first walkSplit; leaves is the
// address of its first leaf value less 4<<depth bytes (a walk ends at heap index 2^depth +
// leaf, counting from 1). xs holds the groups one after another, stride bytes apart, each
// feature-major (the eight rows' values of feature f from byte 32f); out holds eight float64
// a group.
//
//go:noescape
func walkGroups(splits *walkSplit, leaves uintptr, depth int, groups int, xs *float32, stride int, out *float64)
