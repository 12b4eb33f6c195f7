//go:build !amd64 || purego

package gbdt

const useWalkAsm = false

func walkGroups(splits *walkSplit, leaves uintptr, depth int, groups int, xs *float32, stride int, out *float64) {
	panic("unreachable")
}
