package gbdt

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
)

// The binary format, little-endian: the magic, the version (uint32), NumFeatures, NDCGAt, the
// number of names, of trees and of nodes (uint32 each); every name (uint32 length, bytes); the
// trees' first nodes (uint32 each); the nodes (16 bytes each: feature uint16, flags uint8, a
// zero byte, threshold float32, left child uint32, value float32); the importance (float64 per
// feature); the curve (uint32 length, float64 each); and a CRC-32 (IEEE) of all that.
const (
	magic         = "recdGBDT"
	formatVersion = 1
	nodeBytes     = 16
	maxNameBytes  = 1024
)

// MarshalBinary encodes the model in the versioned format UnmarshalBinary reads.
func (m *Model) MarshalBinary() ([]byte, error) {
	le := binary.LittleEndian
	b := make([]byte, 0, 64+len(m.nodes)*nodeBytes+len(m.roots)*4+len(m.importance)*8+len(m.curve)*8)
	b = append(b, magic...)
	for _, v := range []int{formatVersion, m.numFeatures, m.ndcgAt, len(m.names), len(m.roots), len(m.nodes)} {
		b = le.AppendUint32(b, uint32(v))
	}
	for _, s := range m.names {
		b = le.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	for _, r := range m.roots {
		b = le.AppendUint32(b, uint32(r))
	}
	for _, n := range m.nodes {
		b = le.AppendUint16(b, n.feat)
		b = append(b, n.flags, 0)
		b = le.AppendUint32(b, math.Float32bits(n.thr))
		b = le.AppendUint32(b, uint32(n.kids))
		b = le.AppendUint32(b, math.Float32bits(n.val))
	}
	for _, v := range m.importance {
		b = le.AppendUint64(b, math.Float64bits(v))
	}
	b = le.AppendUint32(b, uint32(len(m.curve)))
	for _, v := range m.curve {
		b = le.AppendUint64(b, math.Float64bits(v))
	}
	return le.AppendUint32(b, crc32.ChecksumIEEE(b)), nil
}

// UnmarshalBinary decodes a model MarshalBinary wrote. Truncated, corrupt or inconsistent data,
// or another version, is an error wrapping ErrCorrupt, and m is then unchanged.
func (m *Model) UnmarshalBinary(data []byte) error {
	if len(data) < len(magic)+4 || string(data[:len(magic)]) != magic {
		return fmt.Errorf("%w: not a gbdt model", ErrCorrupt)
	}
	body := data[:len(data)-4]
	if crc32.ChecksumIEEE(body) != binary.LittleEndian.Uint32(data[len(data)-4:]) {
		return fmt.Errorf("%w: checksum mismatch (truncated or damaged)", ErrCorrupt)
	}
	d := decoder{b: body[len(magic):]}
	if v := d.u32(); d.err == nil && v != formatVersion {
		return fmt.Errorf("%w: format version %d, this build reads %d", ErrCorrupt, v, formatVersion)
	}
	var out Model
	if err := out.decode(&d); err != nil {
		return err
	}
	if err := out.check(); err != nil {
		return err
	}
	var err error
	if out.heap, err = newHeapTrees(&out); err != nil {
		return err
	}
	*m = out
	return nil
}

func (m *Model) decode(d *decoder) error {
	m.numFeatures, m.ndcgAt = int(d.u32()), int(d.u32())
	names, trees, nodes := d.count(4), d.count(4), d.count(nodeBytes)
	if d.err != nil {
		return d.err
	}
	if m.numFeatures < 1 || m.numFeatures > MaxFeatures || m.numFeatures > len(d.b)/8 {
		return fmt.Errorf("%w: %d features", ErrCorrupt, m.numFeatures)
	}
	if names > 0 {
		m.names = make([]string, names)
		for i := range m.names {
			m.names[i] = string(d.bytes(d.count(1)))
		}
	}
	m.roots = make([]int32, trees)
	for i := range m.roots {
		m.roots[i] = int32(d.u32())
	}
	m.nodes = make([]node, nodes)
	for i := range m.nodes {
		n := &m.nodes[i]
		n.feat = d.u16()
		n.flags = d.u8()
		d.u8()
		n.thr = math.Float32frombits(d.u32())
		n.kids = int32(d.u32())
		n.val = math.Float32frombits(d.u32())
	}
	m.importance = make([]float64, m.numFeatures)
	for i := range m.importance {
		m.importance[i] = math.Float64frombits(d.u64())
	}
	m.curve = make([]float64, d.count(8))
	for i := range m.curve {
		m.curve[i] = math.Float64frombits(d.u64())
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%w: %d bytes after the model", ErrCorrupt, len(d.b))
	}
	return d.err
}

// check verifies what prediction relies on: every tree's nodes form a tree whose children
// follow their parent inside the tree, every split names a feature, values are numbers.
func (m *Model) check() error {
	if m.names != nil && len(m.names) != m.numFeatures {
		return fmt.Errorf("%w: %d names for %d features", ErrCorrupt, len(m.names), m.numFeatures)
	}
	if len(m.roots) == 0 || m.roots[0] != 0 {
		return fmt.Errorf("%w: no trees, or the first does not start at node 0", ErrCorrupt)
	}
	for t, root := range m.roots {
		if root < 0 || int(root) >= len(m.nodes) || (t > 0 && root <= m.roots[t-1]) {
			return fmt.Errorf("%w: tree %d starts at node %d", ErrCorrupt, t, root)
		}
	}
	for t := range m.roots {
		root, end := m.treeSpan(t)
		for i := root; i < end; i++ {
			if err := m.checkNode(i, end); err != nil {
				return fmt.Errorf("%w: tree %d node %d: %v", ErrCorrupt, t, i, err)
			}
		}
	}
	return nil
}

func (m *Model) checkNode(i, end int32) error {
	n := m.nodes[i]
	switch {
	case n.flags&^knownFlags != 0:
		return fmt.Errorf("unknown flags %#x", n.flags)
	case math.IsNaN(float64(n.val)) || math.IsInf(float64(n.val), 0):
		return fmt.Errorf("value %v", n.val)
	case n.flags&flagLeaf != 0:
		return nil
	case int(n.feat) >= m.numFeatures:
		return fmt.Errorf("feature %d of %d", n.feat, m.numFeatures)
	case math.IsNaN(float64(n.thr)):
		return fmt.Errorf("threshold %v", n.thr)
	case n.kids <= i || n.kids >= end-1:
		return fmt.Errorf("children at %d outside the tree's nodes after it", n.kids)
	}
	return nil
}

// zeros is what a read past the end returns; reads are at most 8 bytes, or a name's length.
var zeros [maxNameBytes]byte

// decoder reads little-endian values; after the first short read it keeps an error and returns
// zeros.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) take(n int) []byte {
	if d.err != nil || n > len(d.b) {
		if d.err == nil {
			d.err = fmt.Errorf("%w: truncated", ErrCorrupt)
		}
		return zeros[:n]
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) u8() uint8   { return d.take(1)[0] }
func (d *decoder) u16() uint16 { return binary.LittleEndian.Uint16(d.take(2)) }
func (d *decoder) u32() uint32 { return binary.LittleEndian.Uint32(d.take(4)) }
func (d *decoder) u64() uint64 { return binary.LittleEndian.Uint64(d.take(8)) }

// count reads a count of items of size bytes each, refusing one the remaining bytes cannot
// hold, so a corrupt count never allocates more than the data's size.
func (d *decoder) count(size int) int {
	n := int(d.u32())
	if d.err == nil && n > len(d.b)/size {
		d.err = fmt.Errorf("%w: count %d exceeds the data", ErrCorrupt, n)
	}
	if d.err != nil {
		return 0
	}
	return n
}

func (d *decoder) bytes(n int) []byte {
	if n > maxNameBytes && d.err == nil {
		d.err = fmt.Errorf("%w: a name of %d bytes", ErrCorrupt, n)
	}
	if d.err != nil {
		return nil
	}
	return d.take(n)
}
