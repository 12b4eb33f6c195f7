package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/dataset"
	"github.com/recd/recd/service"
	"github.com/schollz/progressbar/v3"
)

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cf commonFlags
	fs := newFlagSet("import", stderr, "import movielens [--data-dir DIR] PATH")
	cf.register(fs, false)
	noProgress := fs.Bool("no-progress", false, "do not draw a progress bar")
	// The format comes first ("import movielens --data-dir DIR PATH"); flags before it are
	// accepted too, so that --help works wherever it is written.
	format := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		format, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	rest := fs.Args()
	if format == "" && len(rest) > 0 {
		format, rest = rest[0], rest[1:]
		if err := fs.Parse(rest); err != nil {
			return err
		}
		rest = fs.Args()
	}
	if format != "movielens" {
		fs.Usage()
		return errors.New("the first argument names the format: movielens")
	}
	if len(rest) != 1 {
		fs.Usage()
		return errors.New("give the path of a MovieLens directory (latest-small CSV or 100K u.data/u.item)")
	}
	cfg, err := cf.load()
	if err != nil {
		return err
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
	return nil
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
