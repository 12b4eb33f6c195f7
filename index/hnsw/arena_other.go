//go:build !linux

package hnsw

func mapBytes(int) ([]byte, bool)           { return nil, false }
func remapBytes([]byte, int) ([]byte, bool) { return nil, false }
func unmapBytes([]byte)                     {}
