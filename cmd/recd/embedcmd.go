package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/embed"
	"github.com/schollz/progressbar/v3"
)

func runEmbed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cf commonFlags
	fs := newFlagSet("embed", stderr, "embed --space NAME --base-url URL --model MODEL [--data-dir DIR]")
	cf.register(fs, false)
	ec := embed.DefaultOpenAIConfig()
	space := fs.String("space", "", "vector space to fill (required), e.g. text")
	fs.StringVar(&ec.BaseURL, "base-url", os.Getenv("RECD_EMBED_BASE_URL"), "OpenAI-compatible API root, e.g. http://localhost:11434/v1 (env RECD_EMBED_BASE_URL)")
	fs.StringVar(&ec.Model, "model", os.Getenv("RECD_EMBED_MODEL"), "embedding model (env RECD_EMBED_MODEL)")
	ec.APIKey = os.Getenv("RECD_EMBED_API_KEY")
	fs.IntVar(&ec.Dimensions, "dimensions", 0, "ask the model for vectors of this length (0: the model's own)")
	fs.IntVar(&ec.BatchSize, "batch", ec.BatchSize, "texts per request")
	fs.Float64Var(&ec.RequestsPerSecond, "rps", ec.RequestsPerSecond, "request rate limit (0: none)")
	noProgress := fs.Bool("no-progress", false, "do not draw a progress bar")
	generated := fs.Bool("generated-text", true, "embed each item's generated description (recd describe) with its own text")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *space == "" || ec.BaseURL == "" || ec.Model == "" {
		fs.Usage()
		return errors.New("--space, --base-url and --model are required (the API key comes from RECD_EMBED_API_KEY)")
	}
	cfg, err := cf.load()
	if err != nil {
		return err
	}
	emb, err := embed.NewOpenAIEmbedder(ec)
	if err != nil {
		return err
	}
	svc, st, err := openService(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	defer svc.Close() // before the store: the index is released first
	total := svc.Stats().Items
	bar := progressbar.NewOptions(total, progressbar.OptionSetWriter(progressWriter(stderr, *noProgress)),
		progressbar.OptionSetDescription("embedding"), progressbar.OptionShowCount(), progressbar.OptionShowIts(),
		progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(200*time.Millisecond))
	opts := embed.DefaultFillOptions()
	opts.Space, opts.BatchSize, opts.Total, opts.NoGenerated = *space, ec.BatchSize, total, !*generated
	opts.Progress = func(done, _ int) { _ = bar.Set(done) }
	// put merges the new vector into each stored item, keeping its fields and other vectors.
	put := func(ctx context.Context, items []recd.Item) error {
		full := make([]recd.Item, 0, len(items))
		for _, it := range items {
			cur, err := svc.GetItem(ctx, it.ID)
			if err != nil {
				return err
			}
			if cur.Vectors == nil {
				cur.Vectors = map[string][]float32{}
			}
			cur.Vectors[*space] = it.Vectors[*space]
			full = append(full, cur)
		}
		return svc.PutItems(ctx, full)
	}
	start := time.Now()
	stats, err := embed.FillSpace(ctx, svc, emb, put, opts)
	_ = bar.Finish()
	fmt.Fprintln(stderr)
	if err != nil {
		return err
	}
	if err := svc.SaveIndex(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "space %s: %+v in %s\n", *space, stats, time.Since(start).Round(time.Millisecond))
	return nil
}
