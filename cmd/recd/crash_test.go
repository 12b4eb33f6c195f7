package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary act as the recd binary: with RECD_TEST_MAIN set it runs the
// command line in RECD_TEST_ARGS, so crash tests can SIGKILL a real server process.
func TestMain(m *testing.M) {
	if os.Getenv("RECD_TEST_MAIN") == "1" {
		ctx, stop := signalNotify()
		code := run(ctx, strings.Fields(os.Getenv("RECD_TEST_ARGS")), os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// startServer starts `recd serve` in a child process and waits until it is healthy.
func startServer(t *testing.T, dataDir string) (*exec.Cmd, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "RECD_TEST_MAIN=1", "RECD_AUTH_ENABLED=false",
		"RECD_TEST_ARGS=serve --addr "+addr+" --data-dir "+dataDir+" --log-level warn")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	base := "http://" + addr
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if r, err := http.Get(base + "/healthz"); err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				return cmd, base
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	t.Fatalf("server did not become healthy: %s", logs.String())
	return nil, ""
}

func postJSON(base, path string, body any) (int, error) {
	js, _ := json.Marshal(body)
	r, err := http.Post(base+path, "application/json", bytes.NewReader(js))
	if err != nil {
		return 0, err
	}
	defer r.Body.Close()
	return r.StatusCode, nil
}

// TestServe_SIGKILLLosesNoAcknowledgedWrite streams events and items from concurrent clients
// into a real server process, kills it with SIGKILL at random moments, restarts it, and
// checks that every write acknowledged with 2xx is there and the saved models load.
func TestServe_SIGKILLLosesNoAcknowledgedWrite(t *testing.T) {
	kills := 20
	if testing.Short() {
		kills = 3
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(7, 7))
	type ack struct{ user, item string }
	var (
		mu       sync.Mutex
		events   []ack
		items    []string
		sequence int
	)
	// Seed a catalog and a model so that restarts also load a saved model.
	cmd, base := startServer(t, dir)
	var seed []map[string]any
	for i := 0; i < 50; i++ {
		seed = append(seed, map[string]any{"id": fmt.Sprintf("seed-%d", i), "categories": []string{"c"}})
	}
	if st, err := postJSON(base, "/v1/items", seed); err != nil || st != 200 {
		t.Fatalf("seed items: %d %v", st, err)
	}
	for round := 0; round < kills; round++ {
		if round > 0 {
			cmd, base = startServer(t, dir)
		}
		if round == 1 {
			if st, err := postJSON(base, "/v1/admin/train", nil); err != nil || st != 200 {
				t.Fatalf("train: %d %v", st, err)
			}
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					mu.Lock()
					sequence++
					n := sequence
					mu.Unlock()
					if w == 0 {
						id := fmt.Sprintf("item-%d", n)
						if st, err := postJSON(base, "/v1/items", []map[string]any{{"id": id, "title": id}}); err == nil && st == 200 {
							mu.Lock()
							items = append(items, id)
							mu.Unlock()
						}
						continue
					}
					a := ack{fmt.Sprintf("user-%d", n%37), fmt.Sprintf("seed-%d", n%50)}
					body := []map[string]any{{"user_id": a.user, "item_id": a.item, "type": "click", "session_id": fmt.Sprint(n)}}
					if st, err := postJSON(base, "/v1/events", body); err == nil && st == 200 {
						mu.Lock()
						events = append(events, a)
						mu.Unlock()
					}
				}
			}(w)
		}
		time.Sleep(time.Duration(50+rng.IntN(250)) * time.Millisecond)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		close(stop)
		wg.Wait()
	}
	cmd, base = startServer(t, dir)
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	want := map[string]int{}
	for _, a := range events {
		want[a.user]++
	}
	for user, n := range want {
		got := 0
		cursor := ""
		for {
			var page struct {
				Events     []json.RawMessage `json:"events"`
				NextCursor string            `json:"next_cursor"`
			}
			r, err := http.Get(base + "/v1/users/" + user + "/events?limit=1000&cursor=" + cursor)
			if err != nil {
				t.Fatal(err)
			}
			json.NewDecoder(r.Body).Decode(&page)
			r.Body.Close()
			got += len(page.Events)
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		if got < n {
			t.Errorf("user %s: %d events stored, %d acknowledged", user, got, n)
		}
	}
	for _, id := range items {
		r, err := http.Get(base + "/v1/items/" + id)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != 200 {
			t.Errorf("acknowledged item %s: GET = %d", id, r.StatusCode)
		}
	}
	r, err := http.Get(base + "/readyz")
	if err != nil || r.StatusCode != 200 {
		t.Errorf("readyz after restarts: %v %v", r, err)
	}
	t.Logf("%d kills: %d events and %d items acknowledged, all present", kills, len(events), len(items))
}
