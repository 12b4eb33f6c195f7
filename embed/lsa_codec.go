package embed

import "fmt"

const (
	lsaMagic   = "RECDLSA_"
	lsaVersion = 1
)

// MarshalBinary encodes the model with a version header and a checksum.
func (m *LSA) MarshalBinary() ([]byte, error) {
	e := newEncoder(lsaMagic, lsaVersion)
	e.uvarint(uint64(m.terms))
	e.uvarint(uint64(m.dim))
	for _, s := range m.singular {
		e.f64(s)
	}
	for _, x := range m.loadings {
		e.f32(x)
	}
	return e.finish(), nil
}

// UnmarshalBinary decodes what MarshalBinary wrote; bad data returns an error wrapping
// ErrCorrupt and leaves m unchanged.
func (m *LSA) UnmarshalBinary(data []byte) error {
	d, err := newDecoder(data, lsaMagic, lsaVersion)
	if err != nil {
		return fmt.Errorf("unmarshal lsa: %w", err)
	}
	terms, dim := d.int(), d.int()
	if d.err == nil && (dim < 1 || terms < 1 || uint64(terms)*uint64(dim) > uint64(len(d.buf))/4) {
		d.fail("shape")
	}
	var singular []float64
	if d.err == nil {
		singular = make([]float64, dim)
		for i := range singular {
			singular[i] = d.finite()
		}
	}
	loadings := d.f32s(terms * dim)
	if err := d.done(); err != nil {
		return fmt.Errorf("unmarshal lsa: %w", err)
	}
	m.terms, m.dim, m.singular, m.loadings = terms, dim, singular, loadings
	return nil
}
