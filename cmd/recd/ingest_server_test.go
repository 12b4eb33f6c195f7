package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIngest_Server ingests a 10,000-line file into a live `recd serve` with auth on, through
// a write key made by `recd hash-key`: the good lines are stored, each bad one (malformed
// here, refused by the server there) is reported by line number, and the server holds the
// count the summary gives.
func TestIngest_Server(t *testing.T) {
	if testing.Short() {
		t.Skip("starts recd serve")
	}
	ctx := context.Background()
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"hash-key", "--new"}, &out, &errb); code != 0 {
		t.Fatalf("hash-key --new: exit %d: %s", code, errb.String())
	}
	var key, hash string
	if _, err := fmt.Sscanf(out.String(), "key: %s\nhash: %s", &key, &hash); err != nil {
		t.Fatalf("hash-key output %q: %v", out.String(), err)
	}
	// The test is about what ingest stores and reports, not the server's deadline: under the
	// race detector on a loaded 2-core machine a batch of items once took longer than the 5 s
	// default and was answered 504.
	p := startReplica(t, []string{"RECD_AUTH_ENABLED=true", "RECD_AUTH_KEYS=ingester:write:" + hash,
		"RECD_TRAIN_INTERVAL=0", "RECD_HTTP_REQUEST_TIMEOUT=40s"})

	const lines = 10000
	bad := map[int]string{ // line number -> a line the client or the server refuses
		17:   `{"id":"broken","title":`,
		2500: `{"id":"x1","colour":"red"}`,
		5001: `{"id":"has space","title":"bad id"}`,
		9999: `{"id":"x2","categories":"not a list"}`,
	}
	var b strings.Builder
	for i := 1; i <= lines; i++ {
		if l, ok := bad[i]; ok {
			b.WriteString(l + "\n")
			continue
		}
		// Lines exported from GET /v1/items carry the server-set timestamps.
		fmt.Fprintf(&b, `{"id":"it%05d","title":"Item %d","categories":["c%d"],"created_at":"2024-01-01T00:00:00Z","updated_at":"2024-01-02T00:00:00Z"}`+"\n", i, i, i%7)
	}
	file := filepath.Join(t.TempDir(), "items.jsonl")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	ingestArgs := []string{"ingest", "--server", p.base, "--key", key, "--file", file, "--no-progress"}
	out.Reset()
	errb.Reset()
	if code := run(ctx, ingestArgs, &out, &errb); code != 0 {
		t.Fatalf("ingest: exit %d\nstdout: %s\nstderr: %s", code, out.String(), errb.String())
	}
	want := lines - len(bad)
	if got := out.String(); !strings.Contains(got, fmt.Sprintf("stored %d items, rejected %d lines", want, len(bad))) {
		t.Errorf("summary %q, want stored %d, rejected %d", got, want, len(bad))
	}
	for line := range bad {
		if !strings.Contains(errb.String(), fmt.Sprintf("line %d: rejected", line)) {
			t.Errorf("line %d is not reported:\n%s", line, errb.String())
		}
	}
	if got := countItems(t, p.base, key); got != want {
		t.Errorf("the server holds %d items, want %d", got, want)
	}

	t.Run("without a key nothing is stored and it fails", func(t *testing.T) {
		out.Reset()
		errb.Reset()
		t.Setenv("RECD_API_KEY", "")
		code := run(ctx, []string{"ingest", "--server", p.base, "--file", file, "--no-progress"}, &out, &errb)
		if code == 0 || !strings.Contains(errb.String(), "401") {
			t.Errorf("exit %d without a key, want a failure naming the 401\nstdout: %s\nstderr: %s", code, out.String(), errb.String())
		}
	})
	t.Run("a file with no good line fails", func(t *testing.T) {
		allBad := filepath.Join(t.TempDir(), "bad.jsonl")
		if err := os.WriteFile(allBad, []byte(bad[17]+"\n"+bad[2500]+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		out.Reset()
		errb.Reset()
		code := run(ctx, []string{"ingest", "--server", p.base, "--key", key, "--file", allBad, "--no-progress"}, &out, &errb)
		if code == 0 || !strings.Contains(errb.String(), "nothing stored") || !strings.Contains(out.String(), "stored 0 items, rejected 2 lines") {
			t.Errorf("exit %d\nstdout: %s\nstderr: %s", code, out.String(), errb.String())
		}
	})
}

// countItems pages through GET /v1/items with key and counts the items.
func countItems(t *testing.T, base, key string) int {
	t.Helper()
	total, cursor := 0, ""
	for {
		req, _ := http.NewRequest("GET", base+"/v1/items?limit=1000&cursor="+cursor, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var page struct {
			Items      []json.RawMessage `json:"items"`
			NextCursor string            `json:"next_cursor"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET /v1/items: %d %v", resp.StatusCode, err)
		}
		total += len(page.Items)
		if cursor = page.NextCursor; cursor == "" {
			return total
		}
	}
}
