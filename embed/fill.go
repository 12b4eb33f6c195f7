package embed

import (
	"context"
	"fmt"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
)

// TextEmbedder turns texts into vectors, one per text, all of one length.
// OpenAIEmbedder implements it.
type TextEmbedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

var _ TextEmbedder = (*OpenAIEmbedder)(nil)

// ItemPager lists the catalog a page at a time, in a stable order; store.Catalog has it.
type ItemPager interface {
	// ListItems returns up to limit items after cursor ("" starts) and the next cursor
	// ("" at the end).
	ListItems(ctx context.Context, cursor string, limit int) ([]recd.Item, string, error)
}

// FillOptions tunes FillSpace.
type FillOptions struct {
	// Space is the vector space to fill; it must be a plain identifier.
	Space string
	// BatchSize is the number of items per page and per Embed call.
	BatchSize int
	// Total, when > 0, is passed to Progress as the number of items expected (the
	// caller may count them first); otherwise Progress gets -1.
	Total int
	// Progress, when not nil, is called after each batch is written with the items
	// seen so far (embedded or skipped) and Total.
	Progress func(done, total int)
	// NoGenerated leaves the items' generated descriptions out of the embedded text.
	NoGenerated bool
}

// DefaultFillOptions fills the space "text" in batches of 64.
func DefaultFillOptions() FillOptions { return FillOptions{Space: "text", BatchSize: 64} }

// text is what FillSpace embeds for an item.
func (o FillOptions) text(it recd.Item) string { return ItemTextWith(it, !o.NoGenerated) }

// FillStats counts what FillSpace did.
type FillStats struct {
	Embedded int // items that got a vector
	Skipped  int // items with no text to embed
	Dim      int // vector length
}

// FillSpace is the logic of `recd embed`: it pages through the catalog, embeds each
// item's ItemText with emb, and hands every batch to put as items carrying only
// Vectors[opts.Space] (the other fields as listed). put decides how to write them: to
// the store through the item write path, to an index, or over HTTP. Items without text
// are skipped. The first error stops the run; batches already put stay written, so a
// rerun redoes the work idempotently.
func FillSpace(ctx context.Context, src ItemPager, emb TextEmbedder,
	put func(ctx context.Context, items []recd.Item) error, opts FillOptions) (FillStats, error) {
	var st FillStats
	if !index.ValidSpaceName(opts.Space) {
		return st, fmt.Errorf("fill space: %w", recd.Invalid("space", fmt.Sprintf("%q is not a plain identifier", opts.Space)))
	}
	if opts.BatchSize < 1 {
		return st, fmt.Errorf("fill space: %w", recd.Invalid("batch_size", "must be >= 1"))
	}
	total := opts.Total
	if total <= 0 {
		total = -1
	}
	cursor, done := "", 0
	for {
		page, next, err := src.ListItems(ctx, cursor, opts.BatchSize)
		if err != nil {
			return st, fmt.Errorf("fill space: list items after %q: %w", cursor, err)
		}
		var batch []recd.Item
		var texts []string
		for _, it := range page {
			if s := opts.text(it); s != "" {
				batch, texts = append(batch, it), append(texts, s)
			} else {
				st.Skipped++
			}
		}
		if len(texts) > 0 {
			vecs, err := emb.Embed(ctx, texts)
			if err != nil {
				return st, fmt.Errorf("fill space: items %s..%s: %w", batch[0].ID, batch[len(batch)-1].ID, err)
			}
			if len(vecs) != len(batch) {
				return st, fmt.Errorf("fill space: %w: %d vectors for %d texts", ErrBadResponse, len(vecs), len(batch))
			}
			for i := range batch {
				if st.Dim == 0 {
					st.Dim = len(vecs[i])
				}
				if len(vecs[i]) != st.Dim {
					return st, fmt.Errorf("fill space: item %s: vector of length %d, want %d: %w",
						batch[i].ID, len(vecs[i]), st.Dim, index.ErrDimensionMismatch)
				}
				batch[i].Vectors = map[string][]float32{opts.Space: vecs[i]}
			}
			if err := put(ctx, batch); err != nil {
				return st, fmt.Errorf("fill space: write items %s..%s: %w", batch[0].ID, batch[len(batch)-1].ID, err)
			}
			st.Embedded += len(batch)
		}
		done += len(page)
		if opts.Progress != nil && len(page) > 0 {
			opts.Progress(done, total)
		}
		if next == "" || len(page) == 0 {
			return st, nil
		}
		cursor = next
	}
}
