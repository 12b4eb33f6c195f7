package qdrant_test

import (
	"context"
	"log"

	"github.com/recd/recd/index"
	"github.com/recd/recd/index/qdrant"
)

// ExampleOpen shows the wiring cmd/recd does when the index backend is Qdrant.
func ExampleOpen() {
	ctx := context.Background()
	opts := qdrant.DefaultOptions()
	opts.Addr = "qdrant:6334"
	opts.Spaces = []index.SpaceConfig{
		{Name: "cf", Dim: 64, Metric: index.Dot},
		{Name: "content", Dim: 128, Metric: index.Cosine},
		{Name: "content_sparse", Metric: index.Cosine, Sparse: true},
	}
	ix, err := qdrant.Open(ctx, opts)
	if err != nil {
		log.Fatal(err) // wraps recd.ErrUnavailable when Qdrant cannot be reached
	}
	defer ix.Close()
	var _ index.Index = ix
}
