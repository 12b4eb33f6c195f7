package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/server"
	"github.com/recd/recd/service"
	"github.com/schollz/progressbar/v3"
)

// jsonlNames are the files a JSON-lines data set directory may hold, items before events
// (an event names an item that should already be in the catalog).
var jsonlNames = [2]string{"items.jsonl", "events.jsonl"}

// detectFormat names the format of the data set at path: a directory holding items.jsonl or
// events.jsonl (or their .gz) is jsonl, any other directory movielens.
func detectFormat(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if !st.IsDir() {
		return "", fmt.Errorf("%s: want a directory (MovieLens files, or items.jsonl and events.jsonl)", path)
	}
	if f := jsonlFiles(path); f[0] != "" || f[1] != "" {
		return "jsonl", nil
	}
	return "movielens", nil
}

// jsonlFiles returns the paths of the items and events files in dir ("" where absent).
func jsonlFiles(dir string) [2]string {
	var out [2]string
	for i, name := range jsonlNames {
		for _, p := range []string{filepath.Join(dir, name), filepath.Join(dir, name+".gz")} {
			if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
				out[i] = p
				break
			}
		}
	}
	return out
}

// importCounts are what a JSON-lines import stored and rejected.
type importCounts struct {
	items, events, rejected int
}

// runImportJSONL streams a JSON-lines data set directory into the data dir: items.jsonl (PUT
// /v1/items/{id} bodies with an "id") then events.jsonl (POST /v1/events entries), batch
// entries per transaction. A bad line is named on stderr and skipped; memory stays bounded by
// one batch whatever the files' size.
func runImportJSONL(ctx context.Context, cfg *Config, dir string, batch int, noProgress bool, stdout, stderr io.Writer) error {
	files := jsonlFiles(dir)
	if files[0] == "" && files[1] == "" {
		return fmt.Errorf("%s: no items.jsonl or events.jsonl (optionally .gz)", dir)
	}
	var total int64
	for _, p := range files {
		if st, err := os.Stat(p); err == nil {
			total += st.Size()
		}
	}
	bar := progressbar.NewOptions64(total, progressbar.OptionSetWriter(progressWriter(stderr, noProgress)),
		progressbar.OptionSetDescription("importing"), progressbar.OptionShowBytes(true),
		progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionSetPredictTime(true),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(progressWriter(stderr, noProgress)) }))
	log := newLogger(cfg, stderr)
	svc, st, err := openService(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	defer svc.Close() // before the store: the index is released first
	start := time.Now()
	var n importCounts
	reject := func(path string) func(rejection) {
		return func(rj rejection) {
			n.rejected++
			fmt.Fprintf(stderr, "%s line %d: rejected", filepath.Base(path), rj.Line)
			if rj.ID != "" {
				fmt.Fprintf(stderr, " (id %q)", rj.ID)
			}
			fmt.Fprintf(stderr, ": %s\n", rj.Reason)
		}
	}
	if files[0] != "" {
		if n.items, err = importFile(ctx, files[0], bar, batch, (&server.ItemDecoder{}).Decode, itemPutter(svc), reject(files[0])); err != nil {
			return err
		}
	}
	if files[1] != "" {
		put, flush := eventPutter(svc)
		n.events, err = importFile(ctx, files[1], bar, batch, (&server.EventDecoder{}).Decode, put, reject(files[1]))
		flush() // every stored batch applied before the index and the live state are saved
		if err != nil {
			return err
		}
	}
	_ = bar.Finish()
	if err := svc.SaveIndex(ctx); err != nil {
		return err
	}
	took := time.Since(start)
	fmt.Fprintf(stdout, "imported %d items and %d events (%d lines rejected) into %s in %s (%.0f events/s)\n",
		n.items, n.events, n.rejected, cfg.DataDir, took.Round(time.Millisecond), float64(n.events)/max(took.Seconds(), 1e-9))
	if n.items+n.events == 0 {
		return fmt.Errorf("%s: nothing stored (%d lines rejected)", dir, n.rejected)
	}
	saveLiveState(ctx, svc, log, "import")
	return nil
}

// saveLiveState saves the live state's snapshot after a command that loaded or changed it
// (import, train), so that the next start reads the snapshot instead of every event (and, on
// PostgreSQL, publishes it for new replicas). The work is done, so a failure only warns.
func saveLiveState(ctx context.Context, svc *service.Service, log *slog.Logger, after string) {
	if err := svc.SaveLiveState(ctx); err != nil {
		log.Warn("live snapshot not saved after "+after+": the next start scans every event", "err", err)
	}
}

// importFile opens path (gunzipping a .gz), counting its raw bytes on bar, and streams it.
func importFile[T any](ctx context.Context, path string, bar io.Writer, batch int, decode func([]byte) (T, error),
	put batchPutter[T], reject func(rejection)) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var r io.Reader = io.TeeReader(f, bar)
	if filepath.Ext(path) == ".gz" {
		gz, err := gzip.NewReader(r)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}
	stored, err := streamJSONL(ctx, r, batch, decode, put, reject)
	if err != nil {
		return stored, fmt.Errorf("%s: %w", path, err)
	}
	return stored, nil
}

// batchPutter stores one batch; it reports each entry it refused (by its index in the batch)
// through reject, and returns an error only for failures that should stop the run.
type batchPutter[T any] func(ctx context.Context, batch []T, reject func(i int, err error)) error

// streamJSONL decodes r line by line and hands batches of at most batch entries to put.
// Lines that do not decode, and entries put refuses, go to reject with their 1-based line,
// batch by batch in line order. One goroutine decodes the next batch while put stores the
// current one (decoding is about a third of an import's CPU), so memory holds at most three
// batches besides those put keeps (eventPutter: two, stored and not yet applied).
func streamJSONL[T any](ctx context.Context, r io.Reader, batch int, decode func([]byte) (T, error),
	put batchPutter[T], reject func(rejection)) (int, error) {
	batches, stop := make(chan decodedBatch[T], 1), make(chan struct{})
	go decodeBatches(r, batch, decode, batches, stop)
	defer func() {
		close(stop)
		for range batches { // let the decoder see stop and return
		}
	}()
	stored := 0
	for b := range batches {
		for _, rj := range b.rejected {
			reject(rj)
		}
		if b.err != nil {
			return stored, b.err
		}
		if len(b.entries) == 0 {
			continue
		}
		refused := 0
		err := put(ctx, b.entries, func(i int, err error) {
			refused++
			reject(rejection{Line: b.lines[i], ID: entryID(b.entries[i]), Reason: err.Error()})
		})
		stored += len(b.entries) - refused
		if err != nil {
			return stored, err
		}
	}
	return stored, nil
}

// decodedBatch is one batch of decoded entries with their line numbers, the lines among
// them that did not decode, and the read error that ends the stream.
type decodedBatch[T any] struct {
	entries  []T
	lines    []int
	rejected []rejection
	err      error
}

// decodeBatches reads r and sends batches of at most batch entries to out until r ends, a
// read fails, or stop is closed; it closes out. Each batch has fresh slices: the service may
// keep what it was given (the live state applies stored events).
func decodeBatches[T any](r io.Reader, batch int, decode func([]byte) (T, error), out chan<- decodedBatch[T], stop <-chan struct{}) {
	defer close(out)
	send := func(b decodedBatch[T]) bool {
		select {
		case out <- b:
			return true
		case <-stop:
			return false
		}
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	cur := decodedBatch[T]{entries: make([]T, 0, batch), lines: make([]int, 0, batch)}
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		if v, err := decode(b); err != nil {
			cur.rejected = append(cur.rejected, rejection{Line: line, Reason: err.Error()})
		} else {
			cur.entries, cur.lines = append(cur.entries, v), append(cur.lines, line)
		}
		// A batch also ends at batch rejected lines, so a file of bad lines is reported as
		// it is read rather than collected.
		if len(cur.entries) >= batch || len(cur.rejected) >= batch {
			if !send(cur) {
				return
			}
			cur = decodedBatch[T]{entries: make([]T, 0, batch), lines: make([]int, 0, batch)}
		}
	}
	if err := sc.Err(); err != nil {
		cur.err = fmt.Errorf("line %d: %w", line+1, err)
	}
	send(cur)
}

// entryID is the id a rejection names: the item's, or the event's user and item.
func entryID(v any) string {
	switch e := v.(type) {
	case recd.Item:
		return e.ID
	case recd.Event:
		return e.UserID + "/" + e.ItemID
	}
	return ""
}

// itemPutter stores items in one transaction; when some entry is bad, one at a time, so that
// every bad line is named.
func itemPutter(svc *service.Service) batchPutter[recd.Item] {
	return func(ctx context.Context, items []recd.Item, reject func(int, error)) error {
		return oneByOneOnClientError(len(items), reject, func(lo, hi int) error { return svc.PutItems(ctx, items[lo:hi]) })
	}
}

// eventPutter stores events as itemPutter stores items.
func eventPutter(svc *service.Service) (put batchPutter[recd.Event], flush func()) {
	// Storing is the larger part of a batch's cost and applying it to the live state most of
	// the rest: one goroutine applies the stored batches, in order, while the next is stored.
	applies, done := make(chan func(), 1), make(chan struct{})
	go func() {
		defer close(done)
		for apply := range applies {
			apply()
		}
	}()
	put = func(ctx context.Context, events []recd.Event, reject func(int, error)) error {
		return oneByOneOnClientError(len(events), reject, func(lo, hi int) error {
			_, apply, err := svc.StoreEvents(ctx, events[lo:hi])
			if err != nil {
				return err
			}
			applies <- apply
			return nil
		})
	}
	var once sync.Once
	return put, func() { once.Do(func() { close(applies); <-done }) }
}

// oneByOneOnClientError runs put on the whole range [0, n); when it fails on client input it
// runs put on each entry alone and rejects those that fail on client input. Any other error
// stops the run.
func oneByOneOnClientError(n int, reject func(int, error), put func(lo, hi int) error) error {
	err := put(0, n)
	if err == nil || !isClientError(err) {
		return err
	}
	for i := range n {
		if err := put(i, i+1); err != nil {
			if !isClientError(err) {
				return err
			}
			reject(i, oneEntryError(err))
		}
	}
	return nil
}

// oneEntryError drops the batch position "[0]." that a one-entry batch's field error carries:
// the rejection names the file's line instead.
func oneEntryError(err error) error {
	var fe *recd.FieldError
	if errors.As(err, &fe) && strings.HasPrefix(fe.Field, "[0]") {
		return &recd.FieldError{Field: strings.TrimPrefix(strings.TrimPrefix(fe.Field, "[0]"), "."), Message: fe.Message, Err: fe.Err}
	}
	return err
}
