// Package redistest gives tests a real Redis: the shared server named by RECD_TEST_REDIS_ADDR
// (scripts/redis-test.sh starts it) with a key prefix of their own, or a private redis-server
// process they can stop and start.
package redistest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// EnvAddr names the shared test server's address.
const EnvAddr = "RECD_TEST_REDIS_ADDR"

// Client returns a client of the shared test server and a key prefix unique to the test; keys
// under it are deleted when the test ends. The test is skipped when EnvAddr is unset.
func Client(t testing.TB) (*redis.Client, string) {
	t.Helper()
	addr := os.Getenv(EnvAddr)
	if addr == "" {
		t.Skip("no Redis: set " + EnvAddr + " (eval \"$(scripts/redis-test.sh)\")")
	}
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	if err := c.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("redis at %s: %v", addr, err)
	}
	prefix := fmt.Sprintf("test:%s:%08x:", strings.ReplaceAll(t.Name(), "/", "_"), rand.Uint32())
	t.Cleanup(func() {
		ctx := context.Background()
		it := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for it.Next(ctx) {
			c.Del(ctx, it.Val())
		}
		c.Close()
	})
	return c, prefix
}

// Server is a private redis-server process without persistence.
type Server struct {
	Addr string
	t    testing.TB
	cmd  *exec.Cmd
}

// Start starts a private redis-server on a free loopback port, stopped when the test ends. The
// test is skipped when EnvAddr is unset (no Redis installed is then likely) and fails when
// redis-server cannot start.
func Start(t testing.TB) *Server {
	t.Helper()
	if os.Getenv(EnvAddr) == "" {
		t.Skip("no Redis: set " + EnvAddr + " (eval \"$(scripts/redis-test.sh)\")")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s := &Server{Addr: addr, t: t}
	s.Restart()
	t.Cleanup(s.Stop)
	return s
}

// Restart starts the server again on the same port (after Stop).
func (s *Server) Restart() {
	s.t.Helper()
	_, port, _ := net.SplitHostPort(s.Addr)
	s.cmd = exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("start redis-server: %v", err)
	}
	c := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
	defer c.Close()
	for i := 0; ; i++ {
		if c.Ping(context.Background()).Err() == nil {
			return
		}
		if i == 100 {
			s.t.Fatalf("redis-server on %s did not answer", s.Addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop kills the server (as a crash would) and waits for it to exit.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Kill()
	s.cmd.Wait()
	s.cmd = nil
}
