package hnsw

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"unsafe"

	"github.com/recd/recd/index"
)

// File layout (little-endian): magic, version, body, then the CRC-32C of everything before
// it. The body holds the store sequence, the items (id, presence, payload as JSON) and each
// space (config, then the graph arrays or the sparse vectors).
const (
	fileName    = "index.hnsw"
	magic       = "RECDHNSW"
	fileVersion = 1
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// ErrCorrupt is returned when a snapshot fails its checksum or its structure is invalid.
var ErrCorrupt = errors.New("corrupt hnsw snapshot")

// LoadedSeq implements index.Snapshotter.
func (ix *Index) LoadedSeq() int64 {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.loadedSeq
}

// Save implements index.Snapshotter: it writes the whole index to a temporary file in the
// directory given to Open, fsyncs it, renames it over the snapshot and fsyncs the directory.
// Searches may run during Save; writes wait for it (and it for a running write).
func (ix *Index) Save(seq int64) error {
	if ix.dir == "" {
		return errors.New("save hnsw: index was not opened with a directory")
	}
	if err := os.MkdirAll(ix.dir, 0o755); err != nil {
		return fmt.Errorf("save hnsw: %w", err)
	}
	f, err := os.CreateTemp(ix.dir, fileName+".tmp*")
	if err != nil {
		return fmt.Errorf("save hnsw: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after the rename
	ix.wmu.Lock()        // no writer may be between linking chunks
	defer ix.wmu.Unlock()
	ix.mu.RLock()
	if ix.closed { // an empty snapshot must not replace the last good one
		ix.mu.RUnlock()
		f.Close()
		return fmt.Errorf("save hnsw: %w", index.ErrClosed)
	}
	err = ix.write(f, seq)
	ix.mu.RUnlock()
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(ix.dir, fileName))
	}
	if err == nil {
		err = syncDir(ix.dir)
	}
	if err != nil {
		return fmt.Errorf("save hnsw: %w", err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

type writer struct {
	w   *bufio.Writer
	crc hash.Hash32
	err error
	buf [8]byte
}

func (w *writer) bytes(b []byte) {
	if w.err != nil {
		return
	}
	w.crc.Write(b)
	_, w.err = w.w.Write(b)
}
func (w *writer) u8(v uint8) { w.bytes([]byte{v}) }
func (w *writer) u32(v uint32) {
	binary.LittleEndian.PutUint32(w.buf[:4], v)
	w.bytes(w.buf[:4])
}
func (w *writer) i64(v int64) {
	binary.LittleEndian.PutUint64(w.buf[:8], uint64(v))
	w.bytes(w.buf[:8])
}
func (w *writer) str(s string) {
	w.u32(uint32(len(s)))
	w.bytes([]byte(s))
}
func (w *writer) int32s(v []int32) {
	w.bytes(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), 4*len(v)))
}
func (w *writer) float32s(v []float32) {
	w.bytes(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), 4*len(v)))
}
func (w *writer) bools(v []bool) {
	w.bytes(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), len(v)))
}

func littleEndian() bool { return binary.NativeEndian.Uint16([]byte{1, 0}) == 1 }

// write serialises the index; the caller holds at least the read lock.
func (ix *Index) write(f io.Writer, seq int64) error {
	if !littleEndian() {
		return errors.New("snapshots need a little-endian machine")
	}
	w := &writer{w: bufio.NewWriterSize(f, 1<<20), crc: crc32.New(crcTable)}
	w.bytes([]byte(magic))
	w.u32(fileVersion)
	w.i64(seq)
	w.u32(uint32(len(ix.ids)))
	for g, id := range ix.ids {
		w.str(id)
		if !ix.present[g] {
			w.u8(0)
			continue
		}
		w.u8(1)
		p, err := json.Marshal(ix.payload(int32(g)))
		if err != nil {
			return fmt.Errorf("payload of %s: %w", id, err)
		}
		w.str(string(p))
	}
	w.u32(uint32(len(ix.spaces)))
	for _, s := range ix.spaces {
		w.str(s.cfg.Name)
		w.u32(uint32(s.cfg.Dim))
		w.str(string(s.cfg.Metric))
		if s.sp != nil {
			w.u8(1)
			w.u32(uint32(s.sp.Len()))
			s.sp.Each(func(id string, v index.SparseVector) {
				w.u32(uint32(ix.gidOf[id]))
				w.u32(uint32(len(v.Indices)))
				w.int32s(unsafe.Slice((*int32)(unsafe.Pointer(unsafe.SliceData(v.Indices))), len(v.Indices)))
				w.float32s(v.Values)
			})
			continue
		}
		w.u8(0)
		g := s.g
		n := g.size()
		w.u32(uint32(g.m))
		w.u32(uint32(n))
		w.u32(uint32(g.entry))
		w.u32(uint32(g.maxLevel))
		w.bytes(g.levels)
		w.bools(g.deleted)
		w.int32s(g.gids)
		w.float32s(g.vecs)
		w.int32s(g.links0)
		w.int32s(g.upperLinks) // node order: each upper node's levels 1..L
	}
	if w.err != nil {
		return w.err
	}
	sum := w.crc.Sum32()
	w.u32(sum)
	if w.err != nil {
		return w.err
	}
	return w.w.Flush()
}
