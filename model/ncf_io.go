package model

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"

	"github.com/recd/recd"
)

const ncfMagic = "recdNCF\x00"
const ncfVersion = 1

// params lists the trained tensors in serialisation order.
func (m *NCF) params() []*ncfParam {
	ps := []*ncfParam{&m.p, &m.q, &m.pm, &m.qm, &m.wg, &m.wh, &m.bo, &m.bi}
	for l := range m.w {
		ps = append(ps, &m.w[l], &m.b[l])
	}
	return ps
}

// MarshalBinary encodes the fitted model: magic, version, the options as JSON, the user and
// item counts and every weight tensor (little endian float32). Optimiser state is dropped.
func (m *NCF) MarshalBinary() ([]byte, error) {
	opt, err := json.Marshal(m.Opt)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.WriteString(ncfMagic)
	hdr := []int64{ncfVersion, int64(len(opt)), int64(m.nu), int64(m.ni)}
	if err := binary.Write(&buf, binary.LittleEndian, hdr); err != nil {
		return nil, err
	}
	buf.Write(opt)
	for _, p := range m.params() {
		if err := binary.Write(&buf, binary.LittleEndian, int64(len(p.v))); err != nil {
			return nil, err
		}
		if err := binary.Write(&buf, binary.LittleEndian, p.v); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

// UnmarshalBinary decodes a model written by MarshalBinary; the result scores like the
// original but cannot continue training.
func (m *NCF) UnmarshalBinary(data []byte) error {
	bad := func(what string) error { return fmt.Errorf("ncf: unmarshal: %s: %w", what, recd.ErrInvalid) }
	r := bytes.NewReader(data)
	magic := make([]byte, len(ncfMagic))
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != ncfMagic {
		return bad("header")
	}
	hdr := make([]int64, 4)
	if err := binary.Read(r, binary.LittleEndian, hdr); err != nil {
		return bad("header")
	}
	if hdr[0] != ncfVersion {
		return bad(fmt.Sprintf("version %d", hdr[0]))
	}
	if hdr[1] < 0 || hdr[1] > int64(r.Len()) || hdr[2] < 0 || hdr[3] < 0 {
		return bad("sizes")
	}
	optJSON := make([]byte, hdr[1])
	if _, err := io.ReadFull(r, optJSON); err != nil {
		return bad("options")
	}
	var n NCF
	if err := json.Unmarshal(optJSON, &n.Opt); err != nil {
		return bad("options")
	}
	if err := n.Opt.validate(); err != nil {
		return fmt.Errorf("ncf: unmarshal: %w", err)
	}
	n.nu, n.ni = int(hdr[2]), int(hdr[3])
	G, M, L := n.sizes()
	want := []int{n.nu * G, n.ni * G, n.nu * M, n.ni * M, G, 0, 1, n.ni}
	if M > 0 {
		in := 2 * M
		for _, out := range L {
			want = append(want, out*in, out)
			in = out
		}
		want[5] = in
		n.w, n.b = make([]ncfParam, len(L)), make([]ncfParam, len(L))
	}
	ps := n.params()
	for k, p := range ps {
		var size int64
		if err := binary.Read(r, binary.LittleEndian, &size); err != nil || size != int64(want[k]) || 4*size > int64(r.Len()) {
			return bad(fmt.Sprintf("tensor %d", k))
		}
		p.v = make([]float32, size)
		if err := binary.Read(r, binary.LittleEndian, p.v); err != nil {
			return bad(fmt.Sprintf("tensor %d", k))
		}
	}
	if r.Len() != 0 {
		return bad("trailing bytes")
	}
	n.cacheItems()
	*m = n
	return nil
}
