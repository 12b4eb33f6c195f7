package hnsw

import (
	"bytes"
	"context"
	"testing"

	"github.com/recd/recd/index"
)

// FuzzLoad feeds arbitrary bytes to the snapshot loader: it must return an error or a
// usable index, never panic. The seed corpus is in testdata/fuzz/FuzzLoad plus a fresh
// valid snapshot.
func FuzzLoad(f *testing.F) {
	good := smallSnapshot(f, f.TempDir())
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		ix, _ := New(testOptions())
		if err := ix.load(bytes.NewReader(data), int64(len(data))); err != nil {
			return
		}
		// A snapshot that loads must be searchable.
		ctx := context.Background()
		infos, _ := ix.Spaces(ctx)
		for _, s := range infos {
			req := index.SearchRequest{Space: s.Name, K: 3}
			if s.Sparse {
				req.Sparse = &index.SparseVector{Indices: []uint32{1}, Values: []float32{1}}
			} else {
				req.Vector = make([]float32, s.Dim)
				req.Vector[0] = 1
			}
			_, _ = ix.Search(ctx, req)
			req.Filter = &index.Filter{Categories: []string{"c"}}
			_, _ = ix.Search(ctx, req)
		}
	})
}
