package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/dataset"
	"github.com/recd/recd/service"
	"github.com/schollz/progressbar/v3"
)

// importFormats are the data sets recd import reads; the format may be named first or left
// to detectFormat.
var importFormats = []string{"movielens", "jsonl"}

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cf commonFlags
	fs := newFlagSet("import", stderr, "import [movielens|jsonl] [--data-dir DIR] PATH")
	cf.register(fs, false)
	noProgress := fs.Bool("no-progress", false, "do not draw a progress bar")
	batch := fs.Int("batch", importBatch, "jsonl: entries per transaction (1-10000)")
	format, rest, err := parseImportArgs(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		fs.Usage()
		return errors.New("give the path of a data set: a MovieLens directory (latest-small CSV or 100K u.data/u.item), " +
			"or a directory with items.jsonl and events.jsonl (optionally .gz)")
	}
	if *batch < 1 || *batch > 10000 {
		return errors.New("--batch must be between 1 and 10000")
	}
	if format == "" {
		if format, err = detectFormat(rest[0]); err != nil {
			return err
		}
	}
	cfg, err := cf.load()
	if err != nil {
		return err
	}
	if format == "jsonl" {
		return runImportJSONL(ctx, cfg, rest[0], *batch, *noProgress, stdout, stderr)
	}
	data, err := dataset.ReadMovieLens(rest[0])
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	svc, st, err := openService(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	defer svc.Close() // before the store: the index is released first
	start := time.Now()
	if err := importData(ctx, svc, data, progressWriter(stderr, *noProgress)); err != nil {
		return err
	}
	if err := svc.SaveIndex(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %d items and %d events into %s in %s\n", len(data.Items), len(data.Events),
		cfg.DataDir, time.Since(start).Round(time.Millisecond))
	saveLiveState(ctx, svc, log, "import")
	return nil
}

// parseImportArgs parses the flags and returns the format, when one is named first ("import
// movielens --data-dir DIR PATH"; flags before it are accepted too, so that --help works
// wherever it is written), and the remaining arguments.
func parseImportArgs(fs *flag.FlagSet, args []string) (string, []string, error) {
	format := ""
	if len(args) > 0 && slices.Contains(importFormats, args[0]) {
		format, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return "", nil, err
	}
	rest := fs.Args()
	if format == "" && len(rest) > 0 && slices.Contains(importFormats, rest[0]) {
		format = rest[0]
		if err := fs.Parse(rest[1:]); err != nil {
			return "", nil, err
		}
		rest = fs.Args()
	}
	if format == "" && len(rest) > 1 {
		fs.Usage()
		return "", nil, fmt.Errorf("unknown format %q: movielens or jsonl", rest[0])
	}
	return format, rest, nil
}

func progressWriter(w io.Writer, off bool) io.Writer {
	if off {
		return io.Discard
	}
	return w
}

// importBatch is the number of entries written per transaction.
const importBatch = 5000

// importData writes a data set through the service (validated, in batches, each batch one
// transaction), drawing a progress bar on w.
func importData(ctx context.Context, svc *service.Service, data *dataset.Data, w io.Writer) error {
	bar := progressbar.NewOptions(len(data.Items)+len(data.Events), progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("importing"), progressbar.OptionShowCount(), progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("records"), progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }))
	defer bar.Finish()
	for i := 0; i < len(data.Items); i += importBatch {
		batch := data.Items[i:min(i+importBatch, len(data.Items))]
		if err := svc.PutItems(ctx, batch); err != nil {
			return fmt.Errorf("items %d-%d: %w", i, i+len(batch)-1, err)
		}
		_ = bar.Add(len(batch))
	}
	for i := 0; i < len(data.Events); i += importBatch {
		batch := data.Events[i:min(i+importBatch, len(data.Events))]
		if _, err := svc.AddEvents(ctx, append([]recd.Event(nil), batch...)); err != nil {
			return fmt.Errorf("events %d-%d: %w", i, i+len(batch)-1, err)
		}
		_ = bar.Add(len(batch))
	}
	return nil
}
