package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/recd/recd"
	recdclient "github.com/recd/recd/client"
	"github.com/recd/recd/describe"
	"github.com/recd/recd/store"
	"github.com/schollz/progressbar/v3"
)

// describeFlags are recd describe's own flags; the rest comes from the configuration.
type describeFlags struct {
	cf                  commonFlags
	baseURL, model      string
	fields              string
	onlyThin, dryRun    bool
	standIn, noProgress bool
	serverURL, key      string
	priceIn, priceOut   float64
}

func (f *describeFlags) register(fs *flag.FlagSet) {
	f.cf.register(fs, false)
	fs.StringVar(&f.baseURL, "base-url", "", "OpenAI-compatible API root, e.g. http://localhost:11434/v1 (config describe.base_url, else llm.base_url)")
	fs.StringVar(&f.model, "model", "", "chat model (config describe.model, else llm.model); the API key comes from RECD_DESCRIBE_API_KEY or RECD_LLM_API_KEY")
	fs.StringVar(&f.fields, "fields", "", "item fields shown to the model, comma-separated: title, text, categories, tags, attributes (config describe.fields)")
	fs.BoolVar(&f.onlyThin, "only-thin", false, "only items whose text is shorter than describe.min_text bytes")
	fs.BoolVar(&f.dryRun, "dry-run", false, "print how many items would be asked for and a token estimate, ask nothing")
	fs.BoolVar(&f.standIn, "stand-in", false, "write descriptions from the items' tags and genres without a model (deterministic; for measurements and tests)")
	fs.StringVar(&f.serverURL, "server", "", "write through a running recd at this URL instead of a data dir")
	fs.StringVar(&f.key, "key", os.Getenv("RECD_API_KEY"), "API key with the write role for --server (env RECD_API_KEY)")
	fs.Float64Var(&f.priceIn, "price-in", 0, "--dry-run: price of a million prompt tokens, for the cost estimate")
	fs.Float64Var(&f.priceOut, "price-out", 0, "--dry-run: price of a million answer tokens, for the cost estimate")
	fs.BoolVar(&f.noProgress, "no-progress", false, "do not draw a progress bar")
}

func runDescribe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f describeFlags
	fs := newFlagSet("describe", stderr, "describe --base-url URL --model M [--only-thin] [--fields title,categories,tags,attributes] "+
		"[--data-dir DIR | --server URL --key K] [--dry-run]")
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := f.cf.load()
	if err != nil {
		return err
	}
	opts := cfg.describeOptions()
	if f.fields != "" {
		opts.Fields = splitFields(f.fields)
	}
	opts.OnlyThin = f.onlyThin
	if f.standIn {
		opts.RequestsPerSecond = 0 // no endpoint to spare
	}
	w, err := f.writer(cfg)
	if err != nil {
		fs.Usage()
		return err
	}
	cat, closeCat, err := f.catalog(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeCat()
	bar := progressbar.NewOptions(-1, progressbar.OptionSetWriter(progressWriter(stderr, f.noProgress)),
		progressbar.OptionSetDescription("describing"), progressbar.OptionShowCount(), progressbar.OptionShowIts(),
		progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(200*time.Millisecond),
		// A bar of unknown length otherwise starts a spinner goroutine that
		// reads the bar's state without its lock, racing Set and ChangeMax.
		progressbar.OptionSetSpinnerChangeInterval(0))
	opts.Progress = func(p describe.Progress) {
		if p.Done == 1 {
			bar.ChangeMax(p.Total)
		}
		bar.Describe(fmt.Sprintf("describing (%d failed, ETA %s)", p.Failed, p.ETA().Round(time.Second)))
		_ = bar.Set(p.Done)
	}
	opts.Logger = newLogger(cfg, stderr)
	job, err := describe.New(cat, w, opts)
	if err != nil {
		return err
	}
	if f.dryRun {
		p, err := job.Plan(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "would describe %d of %d items (%d fresh, %d with enough text) with %s\n",
			p.Selected, p.Scanned, p.Fresh, p.Thick, w.Model())
		fmt.Fprintf(stdout, "estimate: %d prompt tokens, at most %d answer tokens, cost %.4f at %g/%g per million\n",
			p.PromptTokens, p.OutputTokens, p.Cost(f.priceIn, f.priceOut), f.priceIn, f.priceOut)
		return nil
	}
	start := time.Now()
	rep, err := job.Run(ctx)
	_ = bar.Finish()
	fmt.Fprintln(stderr)
	for _, fl := range rep.Failures {
		fmt.Fprintf(stderr, "item %q: %s\n", fl.ID, fl.Reason)
	}
	fmt.Fprintf(stdout, "described %d of %d selected items (%d failed, asked again next run; %d fresh, %d with enough text) "+
		"in %s with %d requests\n", rep.Written, rep.Selected, rep.Failed, rep.Fresh, rep.Thick,
		time.Since(start).Round(time.Millisecond), rep.Requests)
	return err
}

// writer is the stand-in or the chat model the flags and configuration name.
func (f *describeFlags) writer(cfg *Config) (describe.Writer, error) {
	if f.standIn {
		return describe.StandIn{}, nil
	}
	o := cfg.describeModel()
	if f.baseURL != "" {
		o.BaseURL = f.baseURL
	}
	if f.model != "" {
		o.Model = f.model
	}
	if o.BaseURL == "" || o.Model == "" {
		return nil, errors.New("--base-url and --model are required (or describe.base_url and describe.model, or --stand-in)")
	}
	return describe.NewOpenAI(o)
}

// catalog is the data dir's store, or the server named by --server through the Go client.
func (f *describeFlags) catalog(ctx context.Context, cfg *Config) (describe.Catalog, func(), error) {
	if f.serverURL != "" {
		c, err := recdclient.New(f.serverURL, recdclient.WithAPIKey(f.key))
		if err != nil {
			return nil, nil, err
		}
		return clientCatalog{c}, func() {}, nil
	}
	st, err := openStore(cfg)
	if err != nil {
		return nil, nil, err
	}
	ds, ok := st.(store.Descriptions)
	if !ok {
		st.Close()
		return nil, nil, errors.New("the store keeps no generated descriptions")
	}
	return storeCatalog{st, ds}, func() { st.Close() }, nil
}

// storeCatalog is a data dir's store as the describe job's catalog.
type storeCatalog struct {
	store.Store
	store.Descriptions
}

// clientCatalog is a running server as the describe job's catalog.
type clientCatalog struct{ c *recdclient.Client }

func (c clientCatalog) ScanItems(ctx context.Context, fn func(recd.Item) error) error {
	for it, err := range c.c.ListItems(ctx, 1000) {
		if err != nil {
			return err
		}
		if err := fn(it); err != nil {
			return err
		}
	}
	return nil
}

func (c clientCatalog) PutGenerated(ctx context.Context, id string, g recd.Generated) error {
	_, err := c.c.PutGeneratedText(ctx, id, recdclient.GeneratedText{Text: g.Text, Model: g.Model, Fields: g.Fields,
		SourceHash: g.SourceHash})
	return err
}
