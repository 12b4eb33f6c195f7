package embed

import (
	"context"
	"errors"
	"slices"
	"sort"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
)

// pager lists a slice of items sorted by id, like store.Catalog.ListItems.
type pager []recd.Item

func (p pager) ListItems(_ context.Context, cursor string, limit int) ([]recd.Item, string, error) {
	i := sort.Search(len(p), func(i int) bool { return p[i].ID > cursor })
	end := min(i+limit, len(p))
	next := ""
	if end < len(p) {
		next = p[end-1].ID
	}
	return slices.Clone(p[i:end]), next, nil
}

// funcEmbedder adapts a function to TextEmbedder.
type funcEmbedder func(texts []string) ([][]float32, error)

func (f funcEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) { return f(texts) }

func catalog(t *testing.T) pager {
	items := slices.Clone(movies(t)[:11])
	items = append(items, recd.Item{ID: "zz-blank"})
	slices.SortFunc(items, func(a, b recd.Item) int {
		if a.ID < b.ID {
			return -1
		}
		return 1
	})
	return items
}

func TestFillSpace(t *testing.T) {
	src := catalog(t)
	t.Run("through the OpenAI client", func(t *testing.T) {
		f, cfg := newFake(t, nil)
		cfg.BatchSize = 8 // a page of 5 is one request
		emb := mustEmbedder(t, cfg)
		var written []recd.Item
		var progress [][2]int
		opts := FillOptions{Space: "openai_small", BatchSize: 5, Total: len(src),
			Progress: func(done, total int) { progress = append(progress, [2]int{done, total}) }}
		st, err := FillSpace(context.Background(), src, emb, func(_ context.Context, items []recd.Item) error {
			written = append(written, items...)
			return nil
		}, opts)
		if err != nil {
			t.Fatal(err)
		}
		if st != (FillStats{Embedded: 11, Skipped: 1, Dim: 4}) {
			t.Errorf("stats %+v, want 11 embedded, 1 skipped, dim 4", st)
		}
		if len(written) != 11 {
			t.Fatalf("%d items written, want 11", len(written))
		}
		for i, it := range written {
			if it.ID != src[i].ID || it.Title != src[i].Title {
				t.Errorf("written[%d] = %s, want %s", i, it.ID, src[i].ID)
			}
			if got := it.Vectors["openai_small"]; len(it.Vectors) != 1 || !slices.Equal(got, fakeVector(ItemText(src[i]))) {
				t.Errorf("item %s vectors %v, want only openai_small of its text", it.ID, it.Vectors)
			}
		}
		if want := [][2]int{{5, 12}, {10, 12}, {12, 12}}; !slices.Equal(progress, want) {
			t.Errorf("progress %v, want %v", progress, want)
		}
		if n := len(f.requests()); n != 3 {
			t.Errorf("%d requests, want 3", n)
		}
	})
	noPut := func(context.Context, []recd.Item) error { return nil }
	t.Run("bad options", func(t *testing.T) {
		emb := funcEmbedder(func([]string) ([][]float32, error) { return nil, nil })
		for _, o := range []FillOptions{{Space: "no spaces", BatchSize: 4}, {Space: "", BatchSize: 4}, {Space: "ok", BatchSize: 0}} {
			if _, err := FillSpace(context.Background(), src, emb, noPut, o); !errors.Is(err, recd.ErrInvalid) {
				t.Errorf("FillSpace(%+v) err = %v, want ErrInvalid", o, err)
			}
		}
	})
	t.Run("dimension changes", func(t *testing.T) {
		calls := 0
		emb := funcEmbedder(func(texts []string) ([][]float32, error) {
			calls++
			out := make([][]float32, len(texts))
			for i := range out {
				out[i] = make([]float32, 3+calls)
			}
			return out, nil
		})
		_, err := FillSpace(context.Background(), src, emb, noPut, FillOptions{Space: "x", BatchSize: 4})
		if !errors.Is(err, index.ErrDimensionMismatch) {
			t.Errorf("err = %v, want ErrDimensionMismatch", err)
		}
	})
	t.Run("errors stop the run", func(t *testing.T) {
		boom := errors.New("boom")
		ok := funcEmbedder(func(texts []string) ([][]float32, error) {
			return slices.Repeat([][]float32{{1, 2}}, len(texts)), nil
		})
		bad := funcEmbedder(func([]string) ([][]float32, error) { return nil, boom })
		if _, err := FillSpace(context.Background(), src, bad, noPut, FillOptions{Space: "x", BatchSize: 4}); !errors.Is(err, boom) {
			t.Errorf("embed error: err = %v, want boom", err)
		}
		puts := 0
		st, err := FillSpace(context.Background(), src, ok, func(context.Context, []recd.Item) error {
			if puts++; puts == 2 {
				return boom
			}
			return nil
		}, FillOptions{Space: "x", BatchSize: 4})
		if !errors.Is(err, boom) || st.Embedded != 4 {
			t.Errorf("put error: err = %v, %d embedded, want boom after 4", err, st.Embedded)
		}
	})
}

func TestContentModel(t *testing.T) {
	items := movies(t)[:2000]
	lo := DefaultLSAOptions()
	lo.Dim = 24
	m, err := FitContent(items, DefaultTFIDFOptions(), lo)
	if err != nil {
		t.Fatal(err)
	}
	sv, dense, ok := m.EmbedItem(raptorValley)
	if !ok || len(sv.Indices) == 0 || len(dense) != 24 {
		t.Fatalf("EmbedItem: ok %v, %d terms, dim %d", ok, len(sv.Indices), len(dense))
	}
	if _, _, ok := m.EmbedItem(recd.Item{Title: "Qwxz"}); ok {
		t.Errorf("EmbedItem of an item with no known term: ok true, want false")
	}
	data, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var got ContentModel
	if err := got.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	_, d2, _ := got.EmbedItem(raptorValley)
	if !slices.Equal(d2, dense) {
		t.Errorf("decoded model embeds differently")
	}
	checkCorrupt(t, data, func(b []byte) error { var x ContentModel; return x.UnmarshalBinary(b) })
}
