package model

import (
	"bytes"
	"context"
	"encoding"
	"testing"
)

// fuzzDataset is a tiny deterministic training set for the model codec seeds.
func fuzzDataset(f *testing.F) *Dataset {
	return easeFixture(f, 12)
}

// seedCodec adds a trained model's encoding, its truncations and a bit flip as seeds.
func seedCodec(f *testing.F, fit func(ctx context.Context, d *Dataset) error, m encoding.BinaryMarshaler) {
	if err := fit(context.Background(), fuzzDataset(f)); err != nil {
		f.Fatal(err)
	}
	blob, err := m.MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(blob)
	f.Add(blob[:len(blob)/2])
	f.Add(blob[:min(len(blob), 16)])
	flipped := bytes.Clone(blob)
	flipped[len(flipped)/3] ^= 0x40
	f.Add(flipped)
	f.Add([]byte{})
}

// roundTrip checks that a model that decoded re-encodes to bytes that decode to the same
// encoding (the codec is a fixed point after one decode).
func roundTrip(t *testing.T, m encoding.BinaryMarshaler, fresh encoding.BinaryUnmarshaler) {
	t.Helper()
	again, err := m.MarshalBinary()
	if err != nil {
		t.Fatalf("re-encode a decoded model: %v", err)
	}
	if err := fresh.UnmarshalBinary(again); err != nil {
		t.Fatalf("decode a re-encoded model: %v", err)
	}
	third, _ := fresh.(encoding.BinaryMarshaler).MarshalBinary()
	if !bytes.Equal(again, third) {
		t.Fatal("encoding is not stable across a decode")
	}
}

// scoreAll scores an unknown user with a one-item history over n items: it must not panic.
func scoreAll(s interface {
	Score(u int, items []int32, weights []float32, dst []float32)
}, n int) {
	if n <= 0 || n > 1<<20 {
		return
	}
	dst := make([]float32, n)
	s.Score(-1, []int32{0}, []float32{1}, dst)
	s.Score(0, nil, nil, dst)
}

// FuzzALS_UnmarshalBinary: arbitrary bytes decode to an error or a usable model.
func FuzzALS_DecodeReencode(f *testing.F) {
	o := DefaultALSOptions()
	o.Factors, o.Iterations = 4, 2
	m := NewALS(o)
	seedCodec(f, m.Fit, m)
	f.Fuzz(func(t *testing.T, data []byte) {
		m := NewALS(DefaultALSOptions())
		if err := m.UnmarshalBinary(data); err != nil {
			return
		}
		roundTrip(t, m, NewALS(DefaultALSOptions()))
		if m.UserFactors().Rows > 0 {
			scoreAll(m, m.ItemFactors().Rows)
		}
	})
}

// FuzzBPR_UnmarshalBinary: arbitrary bytes decode to an error or a usable model.
func FuzzBPR_UnmarshalBinary(f *testing.F) {
	o := DefaultBPROptions()
	o.Factors = 4
	m := NewBPR(o)
	seedCodec(f, m.Fit, m)
	f.Fuzz(func(t *testing.T, data []byte) {
		m := NewBPR(DefaultBPROptions())
		if err := m.UnmarshalBinary(data); err != nil {
			return
		}
		roundTrip(t, m, NewBPR(DefaultBPROptions()))
		if m.UserFactors().Rows > 0 {
			scoreAll(m, m.ItemFactors().Rows)
		}
	})
}

// FuzzEASE_UnmarshalBinary: arbitrary bytes decode to an error or a usable model.
func FuzzEASE_UnmarshalBinary(f *testing.F) {
	m := NewEASE(DefaultEASEOptions())
	seedCodec(f, m.Fit, m)
	f.Fuzz(func(t *testing.T, data []byte) {
		m := NewEASE(DefaultEASEOptions())
		if err := m.UnmarshalBinary(data); err != nil {
			return
		}
		roundTrip(t, m, NewEASE(DefaultEASEOptions()))
		scoreAll(m, m.numItems)
	})
}
