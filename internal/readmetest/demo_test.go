package readmetest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// repoRoot is where the README's examples run, so that @examples/items.ndjson resolves.
const repoRoot = "../.."

// demo is a `recd demo` child process on a free loopback port with a fresh data dir.
type demo struct {
	bin  string // the recd binary, built once from this module
	addr string // host:port it listens on
	cmd  *exec.Cmd
	out  *syncBuffer // its stdout and stderr
}

// startDemo builds recd (or takes RECD_BIN), starts `recd demo` and waits for /readyz.
func startDemo(t *testing.T) *demo {
	t.Helper()
	dir := t.TempDir()
	bin := os.Getenv("RECD_BIN")
	if bin == "" {
		bin = filepath.Join(dir, "recd")
		build := exec.Command("go", "build", "-o", bin, "./cmd/recd")
		build.Dir = repoRoot
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("build recd: %v\n%s", err, out)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	d := &demo{bin: bin, addr: addr, out: &syncBuffer{}}
	d.cmd = exec.Command(bin, "demo", "--addr", addr, "--data-dir", filepath.Join(dir, "data"), "--no-progress")
	d.cmd.Stdout, d.cmd.Stderr = d.out, d.out
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = d.cmd.Process.Kill()
		_ = d.cmd.Wait()
		if t.Failed() {
			t.Logf("recd demo output:\n%s", d.out.String())
		}
	})
	if err := d.waitReady(5 * time.Minute); err != nil {
		t.Fatal(err)
	}
	return d
}

func (d *demo) waitReady(within time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+d.addr+"/readyz", nil)
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("recd demo not ready within %v", within)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent use: the child process writes to it
// while the test reads it.
type syncBuffer struct {
	mu sync.Mutex // guards b
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
