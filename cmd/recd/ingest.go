package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/server"
	"github.com/recd/recd/service"
	"github.com/schollz/progressbar/v3"
)

// ingestSink stores one batch of items; it returns the rejected lines (1-based file line
// numbers with their reasons) and an error only for failures that should stop the run.
// It owns the batch it is given (ingest never refills it), so it may keep working on it
// after put returns.
type ingestSink interface {
	put(ctx context.Context, items []recd.Item, lines []int) ([]rejection, error)
	close(ctx context.Context) error
}

type rejection struct {
	Line   int    `json:"line"`
	ID     string `json:"id,omitempty"`
	Reason string `json:"reason"`
}

func runIngest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cf commonFlags
	fs := newFlagSet("ingest", stderr, "ingest --file ITEMS.jsonl[.gz] [--data-dir DIR | --server URL [--key KEY]]")
	cf.register(fs, false)
	file := fs.String("file", "", "items as JSON lines, optionally gzip-compressed (required)")
	serverURL := fs.String("server", "", "send to a running recd at this URL instead of writing a data dir")
	key := fs.String("key", os.Getenv("RECD_API_KEY"), "API key with the write role for --server (env RECD_API_KEY)")
	batch := fs.Int("batch", 5000, "items per batch (one transaction each)")
	noProgress := fs.Bool("no-progress", false, "do not draw a progress bar")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *file == "" {
		fs.Usage()
		return errors.New("--file is required")
	}
	if *batch < 1 || *batch > 10000 {
		return errors.New("--batch must be between 1 and 10000")
	}
	f, err := os.Open(*file)
	if err != nil {
		return err
	}
	defer f.Close()
	st, _ := f.Stat()
	bar := progressbar.NewOptions64(st.Size(), progressbar.OptionSetWriter(progressWriter(stderr, *noProgress)),
		progressbar.OptionSetDescription("ingesting"), progressbar.OptionShowBytes(true),
		progressbar.OptionShowCount(), progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionSetPredictTime(true), progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }))
	var r io.Reader = io.TeeReader(f, bar)
	if strings.HasSuffix(*file, ".gz") {
		gz, err := gzip.NewReader(r)
		if err != nil {
			return fmt.Errorf("%s: %w", *file, err)
		}
		defer gz.Close()
		r = gz
	}
	sink, closeSink, err := openIngestSink(ctx, &cf, *serverURL, *key, stderr)
	if err != nil {
		return err
	}
	defer closeSink()
	start := time.Now()
	stored, rejected, err := ingest(ctx, r, sink, *batch)
	_ = bar.Finish()
	if err == nil {
		err = sink.close(ctx)
	}
	reportIngest(stdout, stderr, stored, rejected, time.Since(start))
	if err == nil && stored == 0 {
		err = fmt.Errorf("%s: nothing stored (%d lines rejected)", *file, len(rejected))
	}
	return err
}

// openIngestSink returns the sink of a run: a running server when serverURL is set, else the
// configured data dir (closed by the returned func).
func openIngestSink(ctx context.Context, cf *commonFlags, serverURL, key string, stderr io.Writer) (ingestSink, func(), error) {
	if serverURL != "" {
		return &httpSink{base: strings.TrimRight(serverURL, "/"), key: key, client: &http.Client{Timeout: 5 * time.Minute}}, func() {}, nil
	}
	cfg, err := cf.load()
	if err != nil {
		return nil, nil, err
	}
	svc, st, err := openService(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return nil, nil, err
	}
	return newDirSink(svc), func() { svc.Close(); st.Close() }, nil // the index is released before the store
}

// reportIngest writes every rejected line (number, id when known, reason) to stderr and the
// summary, stored and rejected, to stdout.
func reportIngest(stdout, stderr io.Writer, stored int, rejected []rejection, took time.Duration) {
	// Lines the server rejected come back batch by batch, after the malformed ones read here.
	slices.SortStableFunc(rejected, func(a, b rejection) int { return a.Line - b.Line })
	for _, rj := range rejected {
		fmt.Fprintf(stderr, "line %d: rejected", rj.Line)
		if rj.ID != "" {
			fmt.Fprintf(stderr, " (id %q)", rj.ID)
		}
		fmt.Fprintf(stderr, ": %s\n", rj.Reason)
	}
	fmt.Fprintf(stdout, "stored %d items, rejected %d lines in %s (%.0f items/s)\n", stored, len(rejected),
		took.Round(time.Millisecond), float64(stored)/max(took.Seconds(), 1e-9))
}

// ingest streams items from r in batches into sink.
func ingest(ctx context.Context, r io.Reader, sink ingestSink, batch int) (int, []rejection, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var (
		items    []recd.Item
		lines    []int
		rejected []rejection
		stored   int
	)
	flush := func() error {
		if len(items) == 0 {
			return nil
		}
		rj, err := sink.put(ctx, items, lines)
		if err != nil {
			return err
		}
		stored += len(items) - len(rj)
		rejected = append(rejected, rj...)
		// Fresh slices: a sink may still be using this batch (dirSink indexes it while the
		// next one is read), so its backing arrays must not be refilled.
		items, lines = make([]recd.Item, 0, batch), make([]int, 0, batch)
		return nil
	}
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		it, err := server.DecodeItem(b)
		if err != nil {
			rejected = append(rejected, rejection{Line: line, Reason: err.Error()})
			continue
		}
		items = append(items, it)
		lines = append(lines, line)
		if len(items) >= batch {
			if err := flush(); err != nil {
				return stored, rejected, err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return stored, rejected, fmt.Errorf("line %d: %w", line+1, err)
	}
	return stored, rejected, flush()
}

// dirSink writes into a data dir through the service, storing one batch while the previous
// one is indexed.
type dirSink struct {
	svc interface {
		PutItems(ctx context.Context, items []recd.Item) error
		PutItemsStaged(ctx context.Context, items []recd.Item) (func() error, error)
		SaveIndex(ctx context.Context) error
	}
	pending chan func() error // indexing work, one batch ahead
	done    chan error
}

func newDirSink(svc *service.Service) *dirSink {
	d := &dirSink{svc: svc, pending: make(chan func() error, 1), done: make(chan error, 1)}
	go func() {
		var first error
		for index := range d.pending {
			if err := index(); err != nil && first == nil {
				first = err
			}
		}
		d.done <- first
	}()
	return d
}

func (d *dirSink) put(ctx context.Context, items []recd.Item, lines []int) ([]rejection, error) {
	index, err := d.svc.PutItemsStaged(ctx, items)
	if err == nil {
		d.pending <- index
		return nil, nil
	}
	if !isClientError(err) {
		return nil, err
	}
	// Some entry is bad: store them one at a time so every bad line is named.
	var rj []rejection
	for i := range items {
		if err := d.svc.PutItems(ctx, items[i:i+1]); err != nil {
			if !isClientError(err) {
				return rj, err
			}
			rj = append(rj, rejection{Line: lines[i], ID: items[i].ID, Reason: err.Error()})
		}
	}
	return rj, nil
}

func (d *dirSink) close(ctx context.Context) error {
	close(d.pending)
	if err := <-d.done; err != nil {
		return err
	}
	return d.svc.SaveIndex(ctx)
}

func isClientError(err error) bool {
	return errors.Is(err, recd.ErrInvalid) || errors.Is(err, recd.ErrUnprocessable)
}
