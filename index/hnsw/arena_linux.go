package hnsw

import "golang.org/x/sys/unix"

// Mappings ask for transparent huge pages: graph searches touch vectors and link lists at
// random, and 2 MB pages take most of the TLB misses out of those accesses.

func mapBytes(size int) ([]byte, bool) {
	b, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
	if err != nil {
		return nil, false
	}
	_ = unix.Madvise(b, unix.MADV_HUGEPAGE) // advisory: ignored where THP is off
	return b, true
}

func remapBytes(b []byte, size int) ([]byte, bool) {
	nb, err := unix.Mremap(b, size, unix.MREMAP_MAYMOVE)
	if err != nil {
		return nil, false
	}
	_ = unix.Madvise(nb, unix.MADV_HUGEPAGE)
	return nb, true
}

func unmapBytes(b []byte) { _ = unix.Munmap(b) }
