package embed

import (
	"encoding/binary"
	"hash/crc32"
	"slices"
	"sync"
	"testing"
)

// TestContentModel_Concurrent uses one fitted model from several goroutines; under
// -race it checks the "safe for concurrent use" contracts, and it checks that the
// results do not depend on the interleaving.
func TestContentModel_Concurrent(t *testing.T) {
	items := movies(t)[:3000]
	lo := DefaultLSAOptions()
	lo.Dim = 16
	m, err := FitContent(items, DefaultTFIDFOptions(), lo)
	if err != nil {
		t.Fatal(err)
	}
	x := make([][]float32, 200)
	for i := range x {
		_, x[i], _ = m.EmbedItem(items[i])
	}
	p, err := FitProjection(x, x, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := make([][]float32, 200)
	for i := range want {
		want[i], _ = p.Project(x[i])
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for g := range 4 {
		wg.Go(func() {
			for i := g; i < 200; i += 2 {
				_, d, _ := m.EmbedItem(items[i])
				got, _ := p.Project(d)
				if !slices.Equal(d, x[i]) || !slices.Equal(got, want[i]) {
					errs <- items[i].ID
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for id := range errs {
		t.Errorf("item %s: concurrent result differs from the sequential one", id)
	}
}

func FuzzUnmarshalBinary(f *testing.F) {
	tf, err := FitTFIDF(movies(f)[:40], DefaultTFIDFOptions())
	if err != nil {
		f.Fatal(err)
	}
	lsa, err := FitLSA(tf, movies(f)[:40], LSAOptions{Dim: 4, Oversample: 2, PowerIters: 1, Seed: 1})
	if err != nil {
		f.Fatal(err)
	}
	p, err := FitProjection([][]float32{{1, 2}, {3, 1}, {0, 1}}, [][]float32{{1}, {2}, {3}}, 1)
	if err != nil {
		f.Fatal(err)
	}
	for _, m := range []interface{ MarshalBinary() ([]byte, error) }{tf, lsa, p, &ContentModel{tf, lsa}} {
		b, _ := m.MarshalBinary()
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// none may panic; whatever decodes must encode back to the same bytes. The data is
		// tried as given and with its checksum fixed, so the parsers behind it are reached.
		fixed := slices.Clone(data)
		if len(fixed) >= 4 {
			body := fixed[:len(fixed)-4]
			binary.LittleEndian.PutUint32(fixed[len(fixed)-4:], crc32.ChecksumIEEE(body))
		}
		for _, in := range [][]byte{data, fixed} {
			var a TFIDF
			var b LSA
			var c Projection
			var d ContentModel
			for _, m := range []interface {
				UnmarshalBinary([]byte) error
				MarshalBinary() ([]byte, error)
			}{&a, &b, &c, &d} {
				if m.UnmarshalBinary(in) == nil {
					if got, _ := m.MarshalBinary(); !slices.Equal(got, in) {
						t.Errorf("%T: decoded data does not encode back to itself", m)
					}
				}
			}
		}
	})
}
