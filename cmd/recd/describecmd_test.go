package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/describe/openaitest"
)

// describeFixture writes n items into a new data dir and returns its configuration.
func describeFixture(t *testing.T, n int) *Config {
	t.Helper()
	cfg := defaultConfig()
	cfg.DataDir = t.TempDir()
	st, err := openStore(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	items := make([]recd.Item, n)
	for i := range items {
		items[i] = recd.Item{ID: fmt.Sprintf("i%03d", i), Title: fmt.Sprintf("Film %d (19%02d)", i, 40+i%60),
			Categories: []string{"Drama"}, Tags: []string{fmt.Sprintf("tag%d", i)}, Available: true}
	}
	if err := st.PutItems(t.Context(), items); err != nil {
		t.Fatal(err)
	}
	return &cfg
}

// described counts the items of a data dir whose generated text is fresh.
func described(t *testing.T, cfg *Config) int {
	t.Helper()
	st, err := openStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n := 0
	if err := st.ScanItems(t.Context(), func(it recd.Item) error {
		if it.Generated != nil && !it.Generated.Stale {
			n++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// describeProcess runs `recd describe` against the double in a child process (the test
// binary acting as recd, see TestMain).
func describeProcess(cfg *Config, srv *openaitest.Server) (*exec.Cmd, *bytes.Buffer) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "RECD_TEST_MAIN=1", "RECD_DESCRIBE_REQUESTS_PER_SECOND=0",
		"RECD_TEST_ARGS=describe --data-dir "+cfg.DataDir+" --base-url "+srv.BaseURL()+" --model double --no-progress --log-level error")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	return cmd, &out
}

// TestDescribe_SIGKILLResumes kills a real `recd describe` process mid-run with SIGKILL and
// runs it again: the second run asks the model only for the items the first did not store,
// and in the end every item is described once.
func TestDescribe_SIGKILLResumes(t *testing.T) {
	const n, before = 40, 15
	cfg := describeFixture(t, n)
	srv := openaitest.New(func(r openaitest.Request) openaitest.Reply {
		if r.N > before { // the model hangs: the process is killed with calls in flight
			return openaitest.Reply{Delay: time.Minute}
		}
		return openaitest.Describe(r)
	})
	defer srv.Close()
	cmd, out := describeProcess(cfg, srv)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for described(t, cfg) < before {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the first run stored %d descriptions in 60s: %s", described(t, cfg), out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	_ = cmd.Wait()
	stored, asked := described(t, cfg), srv.Count()
	if stored != before || asked <= before {
		t.Fatalf("after the kill: %d stored, %d requests; want %d stored and calls in flight", stored, asked, before)
	}

	srv2 := openaitest.New(nil)
	defer srv2.Close()
	cmd, out = describeProcess(cfg, srv2)
	if err := cmd.Run(); err != nil {
		t.Fatalf("second run: %v\n%s", err, out)
	}
	if got := srv2.Count(); got != n-before {
		t.Errorf("the second run asked %d times, want only the %d items not yet described", got, n-before)
	}
	for _, r := range srv2.Requests() {
		if strings.Contains(r.Data(), `"tag0"`) {
			t.Errorf("the second run asked again for the first item: %s", r.Data())
		}
	}
	if got := described(t, cfg); got != n {
		t.Errorf("%d items described after the second run, want %d\n%s", got, n, out)
	}
	if !strings.Contains(out.String(), fmt.Sprintf("described %d of %d selected items", n-before, n-before)) {
		t.Errorf("the summary does not say what was done:\n%s", out)
	}
}

// TestDescribe_ServerMode: with --server, recd describe reads the items and writes their
// descriptions through a running server's API.
func TestDescribe_ServerMode(t *testing.T) {
	cfg := describeFixture(t, 5)
	server, base := startServer(t, cfg.DataDir)
	defer func() { server.Process.Kill(); _ = server.Wait() }()
	srv := openaitest.New(nil)
	defer srv.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "RECD_TEST_MAIN=1", "RECD_DESCRIBE_REQUESTS_PER_SECOND=0",
		"RECD_TEST_ARGS=describe --server "+base+" --base-url "+srv.BaseURL()+" --model double --no-progress --fields title,tags")
	if out, err := cmd.CombinedOutput(); err != nil || srv.Count() != 5 {
		t.Fatalf("describe --server: %v, %d requests\n%s", err, srv.Count(), out)
	}
	r, err := http.Get(base + "/v1/items/i003")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var it recd.Item
	if err := json.NewDecoder(r.Body).Decode(&it); err != nil {
		t.Fatal(err)
	}
	if g := it.Generated; g == nil || g.Model != "double" || g.Stale || !strings.HasPrefix(g.Text, "Film 3 (1943) is") ||
		strings.Join(g.Fields, ",") != "title,tags" || g.SourceHash != recd.SourceHash(it, g.Fields) {
		t.Errorf("GET i003 generated = %+v", g)
	}
}
