package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
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

// TestRunIngest_DataDir: into a data dir, a run reports the rejected lines and the summary,
// and one that stores nothing (every line bad, or no line at all) exits 1.
func TestRunIngest_DataDir(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, body string
		code       int
		summary    string
		lines      []string
	}{
		{"good and bad", "{\"id\":\"a\"}\n{bad\n{\"id\":\"b\",\"category\":[\"x\"]}\n{\"id\":\"c\"}\n", 0,
			"stored 2 items, rejected 2 lines", []string{"line 2: rejected", "line 3: rejected: category: is not a field of this body; use `categories`"}},
		{"all bad", "{bad\n", 1, "stored 0 items, rejected 1 lines", []string{"line 1: rejected", "nothing stored"}},
		{"empty", "\n", 1, "stored 0 items, rejected 0 lines", []string{"nothing stored"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			args := []string{"ingest", "--data-dir", filepath.Join(dir, "data"), "--no-progress",
				"--file", write(fmt.Sprintf("f%d.jsonl", i), tt.body)}
			if code := run(context.Background(), args, &out, &errb); code != tt.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, tt.code, errb.String())
			}
			if !strings.Contains(out.String(), tt.summary) {
				t.Errorf("stdout %q lacks %q", out.String(), tt.summary)
			}
			for _, l := range tt.lines {
				if !strings.Contains(errb.String(), l) {
					t.Errorf("stderr lacks %q:\n%s", l, errb.String())
				}
			}
		})
	}
}

func TestWireItem_OmitsServerSetFields(t *testing.T) {
	b, err := json.Marshal(wireItem{Item: recd.Item{ID: "a", Title: "A", Available: true}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"id":"a","title":"A","available":true}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
