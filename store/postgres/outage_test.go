package postgres_test

import (
	"errors"
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/store/postgres"
)

// proxy forwards TCP connections to a PostgreSQL server and can cut them all, standing in for
// a database that goes away and comes back.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			if p.down {
				p.mu.Unlock()
				c.Close()
				continue
			}
			u, err := net.Dial("tcp", target)
			if err != nil {
				p.mu.Unlock()
				c.Close()
				continue
			}
			p.conns = append(p.conns, c, u)
			p.mu.Unlock()
			go func() { io.Copy(u, c); u.Close() }()
			go func() { io.Copy(c, u); c.Close() }()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		p.setDown(true)
		<-done
	})
	return p
}

// setDown cuts every open connection and refuses new ones (down) or lets them through again.
func (p *proxy) setDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if down {
		for _, c := range p.conns {
			c.Close()
		}
		p.conns = nil
	}
}

// TestStore_Outage cuts the connection to PostgreSQL: reads and writes fail with errors
// wrapping recd.ErrUnavailable (no write is acknowledged), and the store recovers by itself
// when the database is reachable again.
func TestStore_Outage(t *testing.T) {
	dsn := testDSN(t)
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" {
		t.Skipf("the outage test needs a URL DSN with a host: %v", err)
	}
	p := newProxy(t, u.Host)
	u.Host = p.ln.Addr().String()
	o := &schemaOpener{dsn: dsn, created: map[string]bool{}}
	opts := postgres.DefaultOptions()
	opts.ConnectTimeout = 2 * time.Second
	s, err := postgres.Open(t.Context(), withSearchPath(u.String(), o.schema(t)), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	ev := []recd.Event{{UserID: "u", ItemID: "i", Type: recd.EventView}}
	if _, err := s.AddEvents(ctx, ev); err != nil {
		t.Fatalf("AddEvents before the outage: %v", err)
	}

	p.setDown(true)
	if _, err := s.AddEvents(ctx, ev); !errors.Is(err, recd.ErrUnavailable) {
		t.Errorf("AddEvents during the outage: err = %v, want ErrUnavailable", err)
	}
	if err := s.PutItems(ctx, []recd.Item{{ID: "x"}}); !errors.Is(err, recd.ErrUnavailable) {
		t.Errorf("PutItems during the outage: err = %v, want ErrUnavailable", err)
	}
	if _, err := s.CountEvents(ctx); !errors.Is(err, recd.ErrUnavailable) {
		t.Errorf("CountEvents during the outage: err = %v, want ErrUnavailable", err)
	}
	if err := s.Ping(ctx); !errors.Is(err, recd.ErrUnavailable) {
		t.Errorf("Ping during the outage: err = %v, want ErrUnavailable", err)
	}

	p.setDown(false)
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping after the outage: %v", err)
	}
	if _, err := s.AddEvents(ctx, ev); err != nil {
		t.Fatalf("AddEvents after the outage: %v", err)
	}
	if n, err := s.CountEvents(ctx); err != nil || n != 2 {
		t.Errorf("CountEvents after the outage = %d, %v; want the 2 acknowledged", n, err)
	}
}

func TestOpen_Unreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens here now
	opts := postgres.DefaultOptions()
	opts.ConnectTimeout = time.Second
	_, err = postgres.Open(t.Context(), "postgres://recd@"+addr+"/recd?sslmode=disable", opts)
	if !errors.Is(err, recd.ErrUnavailable) {
		t.Errorf("Open of an unreachable server: err = %v, want ErrUnavailable", err)
	}
}
