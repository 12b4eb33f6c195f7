package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/recd/recd"
)

// keepSink keeps every batch it is given without copying, as dirSink does while it indexes
// a batch in the background.
type keepSink struct{ batches [][]recd.Item }

func (k *keepSink) put(_ context.Context, items []recd.Item, _ []int) ([]rejection, error) {
	k.batches = append(k.batches, items)
	return nil, nil
}

func (k *keepSink) close(context.Context) error { return nil }

func TestIngest_Batches(t *testing.T) {
	t.Run("a kept batch is not overwritten by the next", func(t *testing.T) {
		var b strings.Builder
		const n = 23
		for i := range n {
			fmt.Fprintf(&b, `{"id":"i%d","title":"item %d"}`+"\n", i, i)
		}
		sink := &keepSink{}
		stored, rejected, err := ingest(context.Background(), strings.NewReader(b.String()), sink, 5)
		if err != nil || stored != n || len(rejected) != 0 {
			t.Fatalf("ingest = %d stored, %v rejected, %v", stored, rejected, err)
		}
		i := 0
		for bn, batch := range sink.batches {
			for _, it := range batch {
				if want := fmt.Sprintf("i%d", i); it.ID != want {
					t.Fatalf("batch %d holds %q where %q was put", bn, it.ID, want)
				}
				i++
			}
		}
		if i != n {
			t.Fatalf("batches hold %d items, want %d", i, n)
		}
	})
}
