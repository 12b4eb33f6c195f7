package client

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/recd/recd"
)

// The tests named TestLive_ run against a real `recd serve` child process with
// authentication on, seeded through the client itself with a small catalog and events and
// trained once. The binary is built from this module (or taken from RECD_CLIENT_TEST_BIN);
// -short skips them. With RECD_CLIENT_TEST_URL set they run against that server instead (an
// empty one that accepts adminKey and readerKey, or a validating proxy in front of one, as
// scripts/openapi-prism.sh does), and start nothing.

const (
	adminKey  = "recd_test_admin_key"
	readerKey = "recd_test_reader_key"
)

// live is the shared server: its address, clients with each key and none, and the fixture.
type live struct {
	base                string
	admin, reader, anon *Client
	cmd                 *exec.Cmd
	logs                *syncBuffer
	dir                 string
	items               map[string]recd.Item // the fixture's items by id
	users               []string
}

var (
	liveOnce sync.Once
	liveSrv  *live
	liveErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if liveSrv != nil {
		liveSrv.stop()
		if code != 0 {
			fmt.Fprintf(os.Stderr, "logs of the recd server:\n%s", liveSrv.logs.String())
		}
	}
	os.Exit(code)
}

// liveServer starts and seeds the shared server on first use.
func liveServer(t *testing.T) *live {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a recd server")
	}
	liveOnce.Do(func() { liveSrv, liveErr = startLive() })
	if liveErr != nil {
		t.Fatal(liveErr)
	}
	return liveSrv
}

func hashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "sha256:" + hex.EncodeToString(sum[:])
}

func startLive() (*live, error) {
	dir, err := os.MkdirTemp("", "recd-client-test")
	if err != nil {
		return nil, err
	}
	l := &live{dir: dir, logs: &syncBuffer{}}
	if base := os.Getenv("RECD_CLIENT_TEST_URL"); base != "" {
		l.base = base
		return l, l.connect()
	}
	bin := os.Getenv("RECD_CLIENT_TEST_BIN")
	if bin == "" {
		bin = filepath.Join(dir, "recd")
		out, err := exec.Command("go", "build", "-o", bin, "github.com/recd/recd/cmd/recd").CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("build recd: %v\n%s", err, out)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	l.base = "http://" + addr
	l.cmd = exec.Command(bin, "serve", "--addr", addr, "--data-dir", filepath.Join(dir, "data"), "--log-level", "warn")
	l.cmd.Env = append(os.Environ(), "RECD_AUTH_ENABLED=true",
		"RECD_AUTH_KEYS=admin:admin:"+hashKey(adminKey)+",reader:read:"+hashKey(readerKey),
		"RECD_TRAIN_INTERVAL=0", "RECD_TRAIN_ALS_FACTORS=8", "RECD_TRAIN_ALS_ITERATIONS=3", "RECD_TRAIN_CONTENT_DIMS=8")
	l.cmd.Stdout, l.cmd.Stderr = l.logs, l.logs
	if err := l.cmd.Start(); err != nil {
		return nil, err
	}
	return l, l.connect()
}

// connect makes the clients, waits for the server and seeds it; on failure it stops what
// startLive started.
func (l *live) connect() error {
	opt := WithBackoff(10*time.Millisecond, time.Second)
	l.admin, _ = New(l.base, opt, WithAPIKey(adminKey))
	l.reader, _ = New(l.base, opt, WithAPIKey(readerKey))
	l.anon, _ = New(l.base, opt)
	if err := l.waitHealthy(60 * time.Second); err != nil {
		l.stop()
		return fmt.Errorf("%w\n%s", err, l.logs.String())
	}
	if err := l.seed(); err != nil {
		l.stop()
		return fmt.Errorf("seed: %w\n%s", err, l.logs.String())
	}
	return nil
}

func (l *live) waitHealthy(within time.Duration) error {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := l.anon.Health(ctx)
		cancel()
		if err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("recd did not answer /healthz within %v", within)
}

var fixtureCats = []string{"Comedy", "Drama", "Horror"}

// seed stores 30 items in three categories, 12 users with seeded random events, and trains.
func (l *live) seed() error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	l.items = map[string]recd.Item{}
	var items []recd.Item
	for i := range 30 {
		cat := fixtureCats[i%3]
		it := recd.Item{ID: fmt.Sprintf("i%02d", i), Title: fmt.Sprintf("%s film %d", cat, i),
			Text: fmt.Sprintf("a %s story number %d", cat, i), Categories: []string{cat},
			Attributes: map[string]any{"year": float64(1980 + i)}, Available: true}
		items = append(items, it)
		l.items[it.ID] = it
	}
	if _, err := l.admin.PutItems(ctx, items); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var evs []recd.Event
	for u := range 12 {
		id := fmt.Sprintf("u%02d", u)
		l.users = append(l.users, id)
		for range 12 {
			// Each user leans to one category, so the models have something to learn.
			i := 3*rng.IntN(10) + u%3
			if rng.IntN(4) == 0 {
				i = rng.IntN(30)
			}
			evs = append(evs, recd.Event{UserID: id, ItemID: fmt.Sprintf("i%02d", i), Type: recd.EventLike})
		}
	}
	if _, err := l.admin.AddEvents(ctx, evs); err != nil {
		return err
	}
	_, err := l.admin.Train(ctx, false)
	return err
}

func (l *live) stop() {
	if l.cmd != nil && l.cmd.Process != nil {
		_ = l.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = l.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = l.cmd.Process.Kill()
			<-done
		}
	}
	_ = os.RemoveAll(l.dir)
}

// syncBuffer collects the server's output from its two pipes.
type syncBuffer struct {
	mu sync.Mutex
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

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// must takes a call's two results and returns a function that fails the test on the error
// and returns the value: must(c.GetItem(ctx, id))(t).
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
