package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
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

	"github.com/jackc/pgx/v5"
)

// replicaEnv is the configuration every replica of these tests runs with: PostgreSQL at dsn,
// fast following and health checks, small models, no periodic training, no learned ranker.
func replicaEnv(dsn string) []string {
	return []string{"RECD_STORE_DRIVER=postgres", "RECD_STORE_DSN=" + dsn,
		"RECD_REPLICA_FOLLOW_INTERVAL=200ms", "RECD_REPLICA_POLL_INTERVAL=500ms",
		"RECD_HEALTH_INTERVAL=200ms", "RECD_HEALTH_TIMEOUT=1s", "RECD_TRAIN_INTERVAL=0",
		"RECD_TRAIN_ALS_FACTORS=8", "RECD_TRAIN_ALS_ITERATIONS=3", "RECD_TRAIN_CONTENT_DIMS=8",
		// Replication is under test, not the learned ranker, whose training under -race
		// would outlast the client's timeout.
		"RECD_RANKER_ENABLED=false"}
}

// proc is a `recd serve` child process.
type proc struct {
	cmd  *exec.Cmd
	base string
	mu   sync.Mutex
	logs bytes.Buffer
}

func (p *proc) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.Write(b)
}

func (p *proc) Logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

// startReplica starts `recd serve` with its own data dir and env, and waits until it answers
// /healthz. It is stopped with SIGTERM when the test ends.
func startReplica(t *testing.T, env []string) *proc {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := &proc{base: "http://" + addr}
	p.cmd = exec.Command(os.Args[0], "-test.run=^$")
	p.cmd.Env = append(append(os.Environ(), "RECD_TEST_MAIN=1", "RECD_AUTH_ENABLED=false",
		"RECD_TEST_ARGS=serve --addr "+addr+" --data-dir "+t.TempDir()+" --log-level info"), env...)
	p.cmd.Stdout, p.cmd.Stderr = p, p
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		_ = p.cmd.Wait()
		if t.Failed() {
			t.Logf("logs of %s:\n%s", p.base, p.Logs())
		}
	})
	eventually(t, 60*time.Second, "the server to answer /healthz", func() bool {
		st, _, _ := get(p.base + "/healthz")
		return st == http.StatusOK
	})
	return p
}

// eventually polls cond every 20 ms until it holds, failing the test after limit. limit only
// bounds a hang: it is not a speed requirement.
func eventually(t *testing.T, limit time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			t.Fatalf("gave up waiting %v for %s", limit, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

var client = &http.Client{Timeout: 10 * time.Second}

// get fetches a URL and decodes its JSON body (nil when it is not JSON).
func get(url string) (int, map[string]any, error) {
	r, err := client.Get(url)
	if err != nil {
		return 0, nil, err
	}
	defer r.Body.Close()
	return decodeBody(r)
}

// send sends a JSON body and decodes the JSON answer.
func send(method, url string, body any) (int, map[string]any, error) {
	var rd io.Reader
	if body != nil {
		js, _ := json.Marshal(body)
		rd = bytes.NewReader(js)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	r, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer r.Body.Close()
	return decodeBody(r)
}

func decodeBody(r *http.Response) (int, map[string]any, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return r.StatusCode, nil, err
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return r.StatusCode, m, nil
}

func itemIDs(m map[string]any) []string {
	items, _ := m["items"].([]any)
	out := make([]string, 0, len(items))
	for _, it := range items {
		if o, ok := it.(map[string]any); ok {
			out = append(out, fmt.Sprint(o["id"]))
		}
	}
	return out
}

// seedWorld posts 120 items in 4 genres and 60 users with 10 seeded events each.
func seedWorld(t *testing.T, base string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(11, 11))
	genres := []string{"Comedy", "Drama", "Horror", "Action"}
	var items []map[string]any
	for i := range 120 {
		g := genres[i%4]
		items = append(items, map[string]any{"id": fmt.Sprintf("m%03d", i), "title": fmt.Sprintf("%s film %d", g, i),
			"text": "a " + strings.ToLower(g) + " story number " + fmt.Sprint(i%7), "categories": []string{g}})
	}
	if st, body, err := send("POST", base+"/v1/items", items); err != nil || st != http.StatusOK {
		t.Fatalf("seed items: %d %v %v", st, body, err)
	}
	var events []map[string]any
	for u := range 60 {
		for range 10 {
			it := rng.IntN(30)*4 + u%4
			events = append(events, map[string]any{"user_id": fmt.Sprintf("p%02d", u), "item_id": fmt.Sprintf("m%03d", it), "type": "view"})
		}
	}
	if st, body, err := send("POST", base+"/v1/events", events); err != nil || st != http.StatusOK {
		t.Fatalf("seed events: %d %v %v", st, body, err)
	}
}

// postgresDSN returns the shared test server's DSN, or skips.
func postgresDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("RECD_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("RECD_TEST_POSTGRES_DSN is not set; run eval \"$(scripts/postgres-test.sh)\" to start a local PostgreSQL")
	}
	return dsn
}

// freshSchema creates an empty schema for the test (dropped when it ends) and returns a DSN
// whose search_path selects it.
func freshSchema(t *testing.T, dsn string) string {
	t.Helper()
	name := fmt.Sprintf("recd_replica_%d", time.Now().UnixNano())
	adminExec(t, dsn, `CREATE SCHEMA `+name)
	t.Cleanup(func() { adminExec(t, dsn, `DROP SCHEMA IF EXISTS `+name+` CASCADE`) })
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return dsn + " search_path=" + name
	}
	return dsn + sep + "search_path=" + name
}

func adminExec(t *testing.T, dsn, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}
