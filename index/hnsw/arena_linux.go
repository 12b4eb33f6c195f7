package hnsw

import "golang.org/x/sys/unix"

func mapBytes(size int) ([]byte, bool) {
	b, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
	return b, err == nil
}

func remapBytes(b []byte, size int) ([]byte, bool) {
	nb, err := unix.Mremap(b, size, unix.MREMAP_MAYMOVE)
	return nb, err == nil
}

func unmapBytes(b []byte) { _ = unix.Munmap(b) }
