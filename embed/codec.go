package embed

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
)

// ErrCorrupt is returned by the UnmarshalBinary methods for data that is truncated,
// altered, of another kind or of an unknown version.
var ErrCorrupt = errors.New("corrupt embed model")

// Every serialised model is: magic (8 bytes), version (uvarint), body, CRC-32 (IEEE) of
// everything before it (4 bytes, little endian).

type encoder struct{ buf []byte }

func newEncoder(magic string, version uint64) *encoder {
	e := &encoder{buf: append([]byte(nil), magic...)}
	e.uvarint(version)
	return e
}

func (e *encoder) uvarint(v uint64) { e.buf = binary.AppendUvarint(e.buf, v) }
func (e *encoder) f64(v float64) {
	e.buf = binary.LittleEndian.AppendUint64(e.buf, math.Float64bits(v))
}
func (e *encoder) f32(v float32) {
	e.buf = binary.LittleEndian.AppendUint32(e.buf, math.Float32bits(v))
}
func (e *encoder) bool(v bool) {
	if v {
		e.uvarint(1)
	} else {
		e.uvarint(0)
	}
}
func (e *encoder) str(s string) { e.uvarint(uint64(len(s))); e.buf = append(e.buf, s...) }

func (e *encoder) finish() []byte {
	return binary.LittleEndian.AppendUint32(e.buf, crc32.ChecksumIEEE(e.buf))
}

// decoder reads what encoder wrote. The first error sticks; later reads return zeros.
type decoder struct {
	buf []byte
	err error
}

// newDecoder checks the checksum, the magic and the version.
func newDecoder(data []byte, magic string, version uint64) (*decoder, error) {
	d, _, err := newDecoderFrom(data, magic, version, version)
	return d, err
}

// newDecoderFrom is newDecoder for a format that still reads versions oldest to newest; it
// returns the version found.
func newDecoderFrom(data []byte, magic string, oldest, newest uint64) (*decoder, uint64, error) {
	if len(data) < len(magic)+1+4 {
		return nil, 0, fmt.Errorf("%w: %d bytes is too short", ErrCorrupt, len(data))
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if string(body[:len(magic)]) != magic {
		return nil, 0, fmt.Errorf("%w: not a %s model", ErrCorrupt, magic)
	}
	if crc32.ChecksumIEEE(body) != sum {
		return nil, 0, fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	d := &decoder{buf: body[len(magic):]}
	v := d.uvarint()
	if d.err == nil && (v < oldest || v > newest) {
		return nil, v, fmt.Errorf("%w: version %d, want %d to %d", ErrCorrupt, v, oldest, newest)
	}
	return d, v, d.err
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: bad %s", ErrCorrupt, what)
	}
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.fail("varint")
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

// count reads a length and checks that at least n*minSize bytes remain, so a corrupt
// length cannot make the caller allocate more than the input could hold.
func (d *decoder) count(minSize int) int {
	v := d.uvarint()
	if d.err != nil {
		return 0
	}
	if v > uint64(len(d.buf)/max(minSize, 1)) {
		d.fail("length")
		return 0
	}
	return int(v)
}

func (d *decoder) int() int {
	v := d.uvarint()
	if v > math.MaxInt32 {
		d.fail("integer")
		return 0
	}
	return int(v)
}

func (d *decoder) bool() bool {
	switch d.uvarint() {
	case 0:
		return false
	case 1:
		return true
	}
	d.fail("bool")
	return false
}

func (d *decoder) f64() float64 {
	if d.err != nil {
		return 0
	}
	if len(d.buf) < 8 {
		d.fail("float64")
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(d.buf))
	d.buf = d.buf[8:]
	return v
}

// finite reads a float64 that must be finite.
func (d *decoder) finite() float64 {
	v := d.f64()
	if math.IsNaN(v) || math.IsInf(v, 0) {
		d.fail("number")
		return 0
	}
	return v
}

func (d *decoder) f32s(n int) []float32 {
	if d.err != nil {
		return nil
	}
	if n < 0 || len(d.buf)/4 < n {
		d.fail("float32 array")
		return nil
	}
	out := make([]float32, n)
	for i := range out {
		v := math.Float32frombits(binary.LittleEndian.Uint32(d.buf[4*i:]))
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			d.fail("float32 value")
			return nil
		}
		out[i] = v
	}
	d.buf = d.buf[4*n:]
	return out
}

func (d *decoder) str() string {
	n := d.count(1)
	if d.err != nil {
		return ""
	}
	s := string(d.buf[:n])
	d.buf = d.buf[n:]
	return s
}

// done returns the sticky error, or an error if bytes are left over.
func (d *decoder) done() error {
	if d.err == nil && len(d.buf) != 0 {
		d.fail("trailing bytes")
	}
	return d.err
}
