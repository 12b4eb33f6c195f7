package gbdt

import (
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"testing"
)

func trainedModel(t testing.TB) (*Model, *Dataset) {
	train := synth(1, 60, 20, 6, 0.3)
	train.Names = []string{"a", "b", "c", "d", "e", "f"}
	p := testParams()
	p.Trees = 8
	m, err := TrainLambdaMART(context.Background(), train, nil, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	return m, train
}

// withCRC returns payload with its checksum appended, as MarshalBinary ends its output, so a
// test can reach the checks behind the checksum.
func withCRC(payload []byte) []byte {
	return binary.LittleEndian.AppendUint32(append([]byte(nil), payload...), crc32.ChecksumIEEE(payload))
}

func TestModel_MarshalBinaryRoundTrip(t *testing.T) {
	m, d := trainedModel(t)
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var got Model
	if err := got.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	for r := 0; r < d.Rows(); r++ {
		row := d.X[r*6 : r*6+6]
		if a, b := m.Predict(row), got.Predict(row); a != b {
			t.Fatalf("row %d: %v before, %v after a round trip", r, a, b)
		}
	}
	if got.NumTrees() != m.NumTrees() || got.NumFeatures() != 6 || got.NDCGAt() != m.NDCGAt() ||
		got.FeatureNames()[5] != "f" || len(got.Curve()) != len(m.Curve()) || got.Importance()[0] != m.Importance()[0] {
		t.Fatal("metadata differs after a round trip")
	}
}

// TestModel_UnmarshalBinaryRefusesCorruptData: every truncation, every flipped byte, another
// version and inconsistent trees behind a valid checksum are errors, and the model is unchanged.
func TestModel_UnmarshalBinaryRefusesCorruptData(t *testing.T) {
	m, _ := trainedModel(t)
	b, _ := m.MarshalBinary()
	var dst Model
	refuse := func(what string, data []byte) {
		t.Helper()
		if err := dst.UnmarshalBinary(data); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("%s: err = %v, want ErrCorrupt", what, err)
		}
		if dst.nodes != nil {
			t.Fatalf("%s: the model changed", what)
		}
	}
	for n := 0; n < len(b); n++ {
		refuse("truncated", b[:n])
	}
	for i := range b {
		c := append([]byte(nil), b...)
		c[i] ^= 0x10
		refuse("flipped byte", c)
	}
	payload := b[:len(b)-4]
	edit := func(off int, v uint32) []byte {
		c := append([]byte(nil), payload...)
		binary.LittleEndian.PutUint32(c[off:], v)
		return withCRC(c)
	}
	refuse("version", edit(len(magic), 2))
	refuse("features", edit(len(magic)+4, 0))
	refuse("node count", edit(len(magic)+20, 1<<30))
	// The first node after the names and roots: feature past the end, then a child before it.
	nodes := len(magic) + 24
	for _, s := range m.names {
		nodes += 4 + len(s)
	}
	nodes += 4 * len(m.roots)
	if m.nodes[0].flags&flagLeaf != 0 {
		t.Fatal("the first tree is a single leaf")
	}
	c := append([]byte(nil), payload...)
	binary.LittleEndian.PutUint16(c[nodes:], 6)
	refuse("feature out of range", withCRC(c))
	refuse("child before parent", edit(nodes+8, 0))
	refuse("value NaN", edit(nodes+12, math.Float32bits(float32(math.NaN()))))
	refuse("trailing bytes", withCRC(append(append([]byte(nil), payload...), 0)))
}

// FuzzModel_UnmarshalBinary decodes arbitrary payloads behind a valid checksum: decoding never
// panics, and a model it accepts predicts without panicking or looping.
func FuzzModel_UnmarshalBinary(f *testing.F) {
	m, _ := trainedModel(f)
	b, _ := m.MarshalBinary()
	f.Add(b[:len(b)-4])
	f.Add([]byte(magic))
	f.Fuzz(func(t *testing.T, payload []byte) {
		var m Model
		if err := m.UnmarshalBinary(withCRC(payload)); err != nil {
			return
		}
		row := make([]float32, m.NumFeatures())
		m.Predict(row)
		row[0] = float32(math.NaN())
		m.Contributions(row, make([]float64, len(row)))
	})
}

// TestModel_UnmarshalBinaryRefusesBadRoots: tree starts past the nodes or out of order are
// refused before any node is read through them.
func TestModel_UnmarshalBinaryRefusesBadRoots(t *testing.T) {
	m, _ := trainedModel(t)
	b, _ := m.MarshalBinary()
	payload := b[:len(b)-4]
	roots := len(magic) + 24
	for _, s := range m.names {
		roots += 4 + len(s)
	}
	for _, c := range []struct {
		tree int
		v    uint32
	}{{1, 1 << 20}, {1, 0}, {len(m.roots) - 1, uint32(len(m.nodes))}, {0, 1}} {
		p := append([]byte(nil), payload...)
		binary.LittleEndian.PutUint32(p[roots+4*c.tree:], c.v)
		var dst Model
		if err := dst.UnmarshalBinary(withCRC(p)); !errors.Is(err, ErrCorrupt) {
			t.Errorf("tree %d starting at %d: err = %v, want ErrCorrupt", c.tree, c.v, err)
		}
	}
}
