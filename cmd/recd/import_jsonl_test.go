package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"github.com/recd/recd"
	"github.com/recd/recd/server"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/recd/recd/store/sqlite"
)

// TestRunImport_JSONL: a directory of items.jsonl and events.jsonl (the latter gzipped) is
// recognised without naming the format; good lines are stored in batches, every bad line is
// named with its file and line number and changes nothing, and the summary counts both.
func TestRunImport_JSONL(t *testing.T) {
	in := t.TempDir()
	items := `{"id":"a","title":"Alpha","categories":["x"],"text":"first"}
{"id":"b","title":"Beta","bogus":1}

{"id":"c","title":"Gamma","tags":["t"]}
{"id":"d","title":"Delta","available":false}
`
	events := `{"user_id":"u1","item_id":"a","type":"view","timestamp":"2020-01-01T00:00:00Z"}
{"user_id":"u1","item_id":"c","type":"rating","value":4,"session_id":"s1"}
{"user_id":"","item_id":"c","type":"view"}
not json
{"user_id":"u2","item_id":"a","type":"like","timestamp":"1960-01-01T00:00:00Z"}
{"user_id":"u2","item_id":"d","type":"purchase"}
{"user_id":"u3","item_id":"c","type":"click"}
`
	if err := os.WriteFile(filepath.Join(in, "items.jsonl"), []byte(items), 0o600); err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(events))
	zw.Close()
	if err := os.WriteFile(filepath.Join(in, "events.jsonl.gz"), gz.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	var out, errs bytes.Buffer
	// Batches of two: the bad entries fall in different batches, each retried one by one.
	args := []string{"--data-dir", data, "--no-progress", "--log-level", "error", "--batch", "2", in}
	if err := runImport(t.Context(), args, &out, &errs); err != nil {
		t.Fatalf("import: %v\n%s", err, errs.String())
	}
	if want := "imported 3 items and 4 events (4 lines rejected)"; !strings.Contains(out.String(), want) {
		t.Errorf("stdout %q, want %q", out.String(), want)
	}
	for _, want := range []string{
		"items.jsonl line 2: rejected: bogus:",
		`events.jsonl.gz line 3: rejected (id "/c"): user_id:`,
		"events.jsonl.gz line 4: rejected: malformed JSON",
		`events.jsonl.gz line 5: rejected (id "u2/a"): timestamp:`,
	} {
		if !strings.Contains(errs.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs.String())
		}
	}
	st, err := sqlite.Open(filepath.Join(data, "recd.db"), sqlite.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := t.Context()
	if n, err := st.CountEvents(ctx); err != nil || n != 4 {
		t.Errorf("events stored = %d, %v; want 4", n, err)
	}
	if it, err := st.GetItem(ctx, "c"); err != nil || it.Title != "Gamma" || len(it.Tags) != 1 || !it.Available {
		t.Errorf("item c = %+v, %v", it, err)
	}
	if it, err := st.GetItem(ctx, "d"); err != nil || it.Available {
		t.Errorf("item d = %+v, %v; want stored unavailable", it, err)
	}
	if _, err := st.GetItem(ctx, "b"); err == nil {
		t.Error("the rejected item b was stored")
	}
	// The import saved the live state, so the next process that loads it (serve, as opened
	// here) starts from it, not a scan.
	if _, err := os.Stat(filepath.Join(data, "live.snapshot")); err != nil {
		t.Fatalf("import left no live snapshot: %v", err)
	}
	errs.Reset()
	cf := commonFlags{dataDir: data, logLvl: "info"}
	cfg, err := cf.load()
	if err != nil {
		t.Fatal(err)
	}
	svc, st2, err := openServiceWith(ctx, cfg, newLogger(cfg, &errs))
	if err != nil {
		t.Fatalf("open after the import: %v\n%s", err, errs.String())
	}
	svc.Close()
	st2.Close()
	if !strings.Contains(errs.String(), "live state from snapshot") {
		t.Errorf("the service opened after the import did not start from its snapshot:\n%s", errs.String())
	}
}

// TestRunImport_Formats: the format is detected from the directory, or named first; a
// directory without data and an unknown format name are refused.
func TestRunImport_Formats(t *testing.T) {
	ml := filepath.Join("..", "..", "examples", "ml-latest-small")
	if f, err := detectFormat(ml); err != nil || f != "movielens" {
		t.Errorf("detectFormat(MovieLens) = %q, %v", f, err)
	}
	in := t.TempDir()
	os.WriteFile(filepath.Join(in, "events.jsonl"), []byte(`{"user_id":"u","item_id":"i","type":"view"}`+"\n"), 0o600)
	if f, err := detectFormat(in); err != nil || f != "jsonl" {
		t.Errorf("detectFormat(events.jsonl) = %q, %v", f, err)
	}
	var out, errs bytes.Buffer
	if err := runImport(t.Context(), []string{"jsonl", "--data-dir", t.TempDir(), "--no-progress", t.TempDir()}, &out, &errs); err == nil ||
		!strings.Contains(err.Error(), "no items.jsonl or events.jsonl") {
		t.Errorf("jsonl of an empty directory: %v", err)
	}
	if err := runImport(t.Context(), []string{"--data-dir", t.TempDir(), "csv", in}, &out, &errs); err == nil ||
		!strings.Contains(err.Error(), `unknown format "csv"`) {
		t.Errorf("unknown format: %v", err)
	}
}

// BenchmarkImport_JSONL imports 100,000 generated events (and their 1,000 items) from JSON
// lines into a fresh SQLite data dir: decoding, validation, batched transactions, live state.
func BenchmarkImport_JSONL(b *testing.B) {
	gen := filepath.Join(b.TempDir(), "gen")
	if err := runGenerate(b.Context(), []string{"--events", "100000", "--out", gen, "--no-progress"}, io.Discard, io.Discard); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		args := []string{"--data-dir", b.TempDir(), "--no-progress", "--log-level", "error", gen}
		if err := runImport(b.Context(), args, io.Discard, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*100000/b.Elapsed().Seconds(), "events/s")
}

// TestStreamJSONL_Bounded: rejected lines are reported as they are read (a stream of bad
// lines is not collected until its end), and a failing put stops the run and the decoding
// goroutine with it.
func TestStreamJSONL_Bounded(t *testing.T) {
	decode := (&server.EventDecoder{}).Decode
	t.Run("bad lines are reported before the stream ends", func(t *testing.T) {
		pr, pw := io.Pipe()
		const batch = 10
		reported := make(chan struct{})
		n := 0
		done := make(chan error, 1)
		go func() {
			_, err := streamJSONL(t.Context(), pr, batch, decode,
				func(context.Context, []recd.Event, func(int, error)) error { return nil },
				func(rejection) {
					if n++; n == batch {
						close(reported)
					}
				})
			done <- err
		}()
		go func() {
			for range batch {
				if _, err := pw.Write([]byte("not json\n")); err != nil {
					return
				}
			}
		}()
		select {
		case <-reported:
		case <-time.After(10 * time.Second):
			t.Fatal("no rejection reported while the stream is open: bad lines are being collected")
		}
		pw.Close()
		if err := <-done; err != nil || n != batch {
			t.Errorf("stream = %v, %d rejected; want nil, %d", err, n, batch)
		}
	})
	t.Run("a put error stops the run", func(t *testing.T) {
		var b strings.Builder
		for i := range 100 {
			fmt.Fprintf(&b, `{"user_id":"u%d","item_id":"i","type":"view"}`+"\n", i)
		}
		calls := 0
		boom := errors.New("disk full")
		before := runtime.NumGoroutine()
		stored, err := streamJSONL(t.Context(), strings.NewReader(b.String()), 10, decode,
			func(_ context.Context, evs []recd.Event, _ func(int, error)) error {
				if calls++; calls == 3 {
					return boom
				}
				return nil
			}, func(rejection) { t.Error("unexpected rejection") })
		if !errors.Is(err, boom) || stored != 30 || calls != 3 {
			t.Errorf("stream = %d stored, %v after %d puts; want 30 and the put's error after 3", stored, err, calls)
		}
		// The decoder's last act is closing its channel, so it may take a moment to be gone.
		deadline := time.Now().Add(2 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if after := runtime.NumGoroutine(); after > before {
			t.Errorf("%d goroutines after the run, %d before: the decoder is still running", after, before)
		}
	})
}
