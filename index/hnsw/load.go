package hnsw

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"unsafe"

	"github.com/recd/recd/index"
)

// loadDir loads dir's snapshot into the empty ix, if there is one.
func (ix *Index) loadDir() error {
	f, err := os.Open(filepath.Join(ix.dir, fileName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open hnsw snapshot: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("open hnsw snapshot: %w", err)
	}
	if err := ix.load(f, st.Size()); err != nil {
		return fmt.Errorf("load %s: %w", f.Name(), err)
	}
	return nil
}

// reader decodes a snapshot of known size; every length is checked against the bytes that
// remain before anything is allocated, so a corrupt file fails instead of exhausting memory.
type reader struct {
	r    *bufio.Reader
	crc  hash.Hash32
	left int64 // body bytes not read yet (the checksum trailer excluded)
	err  error
	buf  [8]byte
}

func (r *reader) fail(format string, a ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, a...))
	}
}

func (r *reader) read(b []byte) bool {
	if r.err != nil {
		return false
	}
	if int64(len(b)) > r.left {
		r.fail("truncated")
		return false
	}
	if _, err := io.ReadFull(r.r, b); err != nil {
		r.fail("truncated: %v", err)
		return false
	}
	r.left -= int64(len(b))
	r.crc.Write(b)
	return true
}

// room reports whether n elements of size bytes can still be in the file.
func (r *reader) room(n, size int64) bool {
	if r.err != nil {
		return false
	}
	if n < 0 || n > r.left/size {
		r.fail("length %d beyond the end of the file", n)
		return false
	}
	return true
}

func (r *reader) u8() uint8 {
	if !r.read(r.buf[:1]) {
		return 0
	}
	return r.buf[0]
}

func (r *reader) u32() uint32 {
	if !r.read(r.buf[:4]) {
		return 0
	}
	return binary.LittleEndian.Uint32(r.buf[:4])
}

func (r *reader) i64() int64 {
	if !r.read(r.buf[:8]) {
		return 0
	}
	return int64(binary.LittleEndian.Uint64(r.buf[:8]))
}

func (r *reader) str() string {
	n := int64(r.u32())
	if !r.room(n, 1) {
		return ""
	}
	b := make([]byte, n)
	r.read(b)
	return string(b)
}

func (r *reader) int32s(n int64) []int32 {
	if !r.room(n, 4) {
		return nil
	}
	v := make([]int32, n)
	r.read(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), 4*n))
	return v
}

func (r *reader) float32s(n int64) []float32 {
	if !r.room(n, 4) {
		return nil
	}
	v := make([]float32, n)
	r.read(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), 4*n))
	return v
}

func (r *reader) bytesN(n int64) []byte {
	if !r.room(n, 1) {
		return nil
	}
	v := make([]byte, n)
	r.read(v)
	return v
}

// load decodes a snapshot of size bytes into the empty ix. On error ix is left empty.
func (ix *Index) load(src io.Reader, size int64) error {
	if !littleEndian() {
		return errors.New("snapshots need a little-endian machine")
	}
	if size < int64(len(magic))+4+8+4 {
		return fmt.Errorf("%w: file of %d bytes is too short", ErrCorrupt, size)
	}
	r := &reader{r: bufio.NewReaderSize(src, 1<<20), crc: crc32.New(crcTable), left: size - 4}
	if m := r.bytesN(int64(len(magic))); string(m) != magic {
		return fmt.Errorf("%w: not an hnsw snapshot", ErrCorrupt)
	}
	if v := r.u32(); v != fileVersion {
		return fmt.Errorf("%w: version %d, this build reads %d", ErrCorrupt, v, fileVersion)
	}
	fresh, err := New(ix.opts)
	if err != nil {
		return err
	}
	seq := r.i64()
	nItems := int64(r.u32())
	if !r.room(nItems, 5) {
		return r.err
	}
	for g := int64(0); g < nItems && r.err == nil; g++ {
		id := r.str()
		if _, dup := fresh.gidOf[id]; dup || id == "" {
			r.fail("item %d: empty or duplicate id", g)
			break
		}
		fresh.gid(id)
		if r.u8() == 1 {
			var p index.Payload
			dec := json.NewDecoder(bytes.NewReader([]byte(r.str())))
			dec.UseNumber()
			if err := dec.Decode(&p); err != nil && r.err == nil {
				r.fail("payload of %q: %v", id, err)
			}
			fresh.indexCategories(int32(g), p.Categories)
			fresh.setPayload(int32(g), internPayload(p))
			fresh.present[g] = true
		}
	}
	nSpaces := int64(r.u32())
	for i := int64(0); i < nSpaces && r.err == nil; i++ {
		cfg := index.SpaceConfig{Name: r.str(), Dim: int(r.u32()), Metric: index.Metric(r.str()), Sparse: r.u8() == 1}
		if r.err != nil {
			break
		}
		if err := index.ValidateSpaceConfig(cfg); err != nil || fresh.spaces[cfg.Name] != nil || cfg != index.NormalizeConfig(cfg) {
			r.fail("space %q: bad or duplicate config", cfg.Name)
			break
		}
		s := fresh.newSpace(cfg)
		fresh.spaces[cfg.Name] = s
		if cfg.Sparse {
			r.readSparse(fresh, s)
		} else {
			r.readGraph(fresh, s)
		}
	}
	if r.err != nil {
		return r.err
	}
	if r.left != 0 {
		return fmt.Errorf("%w: %d unexpected bytes before the checksum", ErrCorrupt, r.left)
	}
	want := r.crc.Sum32()
	r.left = 4
	if got := r.u32(); r.err != nil || got != want {
		return fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	ix.spaces, ix.gidOf, ix.ids, ix.payloads, ix.avail, ix.present = fresh.spaces, fresh.gidOf, fresh.ids, fresh.payloads, fresh.avail, fresh.present
	ix.cats = fresh.cats
	ix.loadedSeq = seq
	ix.epoch++
	return nil
}

func (r *reader) readSparse(ix *Index, s *space) {
	n := int64(r.u32())
	if !r.room(n, 8) {
		return
	}
	for i := int64(0); i < n && r.err == nil; i++ {
		g, nnz := int64(r.u32()), int64(r.u32())
		if g >= int64(len(ix.ids)) || !r.room(nnz, 8) {
			r.fail("sparse vector %d: bad item or length", i)
			return
		}
		idx := r.int32s(nnz)
		v := index.SparseVector{Indices: unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(idx))), len(idx)), Values: r.float32s(nnz)}
		if r.err != nil {
			return
		}
		if _, dup := s.sp.Get(ix.ids[g]); dup || index.ValidateSparse(v) != nil {
			r.fail("sparse vector %d: invalid or duplicate", i)
			return
		}
		s.sp.Upsert(ix.ids[g], v) // stored vectors are already normalised; re-normalising is a no-op
	}
}

func (r *reader) readGraph(ix *Index, s *space) {
	m := int(r.u32())
	n := int64(r.u32())
	entry := int32(r.u32())
	maxLevel := int(r.u32())
	if r.err != nil {
		return
	}
	if m < 2 || m > 128 || n > math.MaxInt32 || maxLevel > 64 {
		r.fail("space %s: bad graph header", s.cfg.Name)
		return
	}
	dim := int64(s.cfg.Dim)
	// every node needs at least its level, flag, gid, vector and level-0 links
	if !r.room(n, 2+4+4*dim+4*int64(2*m+1)) {
		return
	}
	opts := ix.opts
	opts.M = m
	g := newGraph(s.cfg.Dim, s.cfg.Metric, opts)
	g.levels = r.bytesN(n)
	del := r.bytesN(n)
	g.gids = r.int32s(n)
	if r.err != nil {
		return
	}
	// vectors and level-0 links go straight into the arenas
	g.reserve(int(n))
	g.vecs = g.mem.vecs.float32s(int(n * dim))
	g.links0 = g.mem.links.int32s(int(n * int64(g.m0+1)))
	r.read(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(g.vecs))), 4*len(g.vecs)))
	r.read(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(g.links0))), 4*len(g.links0)))
	if r.err != nil {
		return
	}
	g.deleted = make([]bool, n)
	g.upperAt = make([]int32, n)
	upper := int64(0)
	for i, l := range g.levels {
		g.upperAt[i] = -1
		if l > 0 {
			if int(l) > maxLevel {
				r.fail("node %d above the top level", i)
				return
			}
			g.upperAt[i] = int32(upper)
			upper += int64(l) * int64(m+1)
		}
	}
	if upper > math.MaxInt32 {
		r.fail("space %s: too many upper links", s.cfg.Name)
		return
	}
	g.upperLinks = r.int32s(upper)
	if r.err != nil {
		return
	}
	g.entry, g.maxLevel = entry, maxLevel
	if err := g.check(del, len(ix.ids)); err != nil {
		r.fail("space %s: %v", s.cfg.Name, err)
		return
	}
	for node, gid := range g.gids {
		if g.deleted[node] {
			continue
		}
		if s.nodeOf[gid] >= 0 {
			r.fail("space %s: item %d has two live nodes", s.cfg.Name, gid)
			return
		}
		s.nodeOf[gid] = int32(node)
	}
	s.g = g
}

// check validates a decoded graph so that searches cannot index out of range.
func (g *graph) check(del []byte, items int) error {
	n := int32(g.size())
	if (n == 0) != (g.entry < 0) || g.entry >= n || (n > 0 && int(g.levels[g.entry]) != g.maxLevel) {
		return errors.New("bad entry point")
	}
	for i := int32(0); i < n; i++ {
		switch del[i] {
		case 0:
			g.live++
		case 1:
			g.deleted[i] = true
		default:
			return fmt.Errorf("node %d: bad deleted flag", i)
		}
		if g.gids[i] < 0 || int(g.gids[i]) >= items {
			return fmt.Errorf("node %d: item out of range", i)
		}
		for l := 0; l <= int(g.levels[i]); l++ {
			limit := g.m
			var cnt int32
			if l == 0 {
				limit, cnt = g.m0, g.links0[int(i)*(g.m0+1)]
			} else {
				cnt = g.upperLinks[int(g.upperAt[i])+(l-1)*(g.m+1)]
			}
			if cnt < 0 || int(cnt) > limit {
				return fmt.Errorf("node %d level %d: bad link count", i, l)
			}
			for _, nb := range g.links(i, l) {
				if nb < 0 || nb >= n || int(g.levels[nb]) < l {
					return fmt.Errorf("node %d level %d: bad link", i, l)
				}
			}
		}
	}
	return nil
}
