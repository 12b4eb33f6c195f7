package server_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recd/recd/server"
)

// The keys of the slow-body tests: two read keys, two write keys, an admin key.
var trustKeys = map[string]server.Role{"web": server.RoleRead, "app": server.RoleRead,
	"ingest": server.RoleWrite, "ingest2": server.RoleWrite, "ops": server.RoleAdmin}

// trustServer is the API on a loopback listener with class slots (read 3, write 3, admin 2)
// fewer than one key's share of requests in flight (4; 2 per address), and a 10 s body
// deadline: were a slot taken before the body is read, one key's slow bodies would hold
// every slot of their class.
func trustServer(t *testing.T) (*httptest.Server, *server.ClientLimiter) {
	t.Helper()
	var keys []server.APIKey
	for name, role := range trustKeys {
		keys = append(keys, server.APIKey{Name: name, Hash: server.HashKey(name + "-secret"), Role: role})
	}
	auth, err := server.NewAuth(keys, server.AuthOptions{})
	if err != nil {
		t.Fatal(err)
	}
	lim, err := server.NewConcurrencyLimiter(server.ConcurrencyOptions{Read: 3, Write: 3, Admin: 2, Wait: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	clients, err := server.NewClientLimiter(4, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := server.New(&fakeBackend{}, server.Options{Auth: auth, Limiter: lim, Clients: clients, BodyTimeout: 10 * time.Second})
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts, clients
}

// slowBody is a connection that sent a request's headers and the first byte of its body,
// and whatever the server answered within a short wait (status 0: nothing yet).
type slowBody struct {
	conn   net.Conn
	status int
}

// sendSlow opens n connections from localIP, each sending method path with key and one
// byte of a 1000-byte body, and returns them once each has been answered or has waited
// 1.5 s without an answer (admitted and reading its body).
func sendSlow(t *testing.T, ts *httptest.Server, localIPs []string, n int, method, path, key string) []*slowBody {
	t.Helper()
	out := make([]*slowBody, n)
	var wg sync.WaitGroup
	for i := range out {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(localIPs[i%len(localIPs)])}}
		c, err := d.Dial("tcp", ts.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		fmt.Fprintf(c, "%s %s HTTP/1.1\r\nHost: recd\r\nAuthorization: Bearer %s-secret\r\nContent-Type: application/json\r\n"+
			"Content-Length: 1000\r\n\r\n[", method, path, key)
		out[i] = &slowBody{conn: c}
		wg.Add(1)
		go func(s *slowBody) {
			defer wg.Done()
			_ = s.conn.SetReadDeadline(time.Now().Add(1500 * time.Millisecond))
			if resp, err := http.ReadResponse(bufio.NewReader(s.conn), nil); err == nil {
				s.status = resp.StatusCode
				if s.status == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
					t.Errorf("429 without Retry-After")
				}
				resp.Body.Close()
			}
		}(out[i])
	}
	wg.Wait()
	return out
}

// count returns how many slow bodies were answered with status (0: still being read).
func count(ss []*slowBody, status int) int {
	n := 0
	for _, s := range ss {
		if s.status == status {
			n++
		}
	}
	return n
}

// client sends requests from localIP with key.
func client(t *testing.T, localIP string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(localIP)}}
	tr := &http.Transport{DialContext: d.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 5 * time.Second}
}

func send(t *testing.T, c *http.Client, ts *httptest.Server, method, path, key, body string) int {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), method, ts.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key+"-secret")
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestClientLimiter_SlowBodies: slow bodies hold only their own key's and address's share of
// requests in flight (the body is read before a class slot is taken), so every other key,
// and the same key from another address, is served at once.
func TestClientLimiter_SlowBodies(t *testing.T) {
	recs := `{"user_id":"u1"}`
	events := `[{"user_id":"u","item_id":"i","type":"click"}]`
	many := []string{"127.0.0.1", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6", "127.0.0.7"}
	for _, tc := range []struct {
		name         string
		attackIPs    []string
		method, path string
		key          string
		admitted     int // slow bodies being read: the key's share (4) or the address's (2)
		victimIP     string
		victims      []struct{ method, path, key, body string }
	}{
		{"POST reads, one key from many addresses", many, "POST", "/v1/recommendations", "web", 4, "127.0.0.1",
			[]struct{ method, path, key, body string }{{"GET", "/v1/popular", "app", ""},
				{"POST", "/v1/recommendations", "app", recs}, {"GET", "/v1/admin/models", "ops", ""},
				{"POST", "/v1/events", "ingest", events}}},
		{"GET reads with bodies, one key from many addresses", many, "GET", "/v1/popular", "web", 4, "127.0.0.1",
			[]struct{ method, path, key, body string }{{"GET", "/v1/users/u1/recommendations", "app", ""},
				{"POST", "/v1/query", "app", `{"text":"comedy"}`}}},
		{"event writes", many, "POST", "/v1/events", "ingest", 4, "127.0.0.1",
			[]struct{ method, path, key, body string }{{"POST", "/v1/events", "ingest2", events},
				{"PUT", "/v1/items/i1", "ingest2", `{"title":"x"}`}, {"GET", "/v1/popular", "web", ""}}},
		{"one address of a shared key", []string{"127.0.0.1"}, "POST", "/v1/recommendations", "web", 2, "127.0.0.2",
			[]struct{ method, path, key, body string }{{"GET", "/v1/popular", "web", ""},
				{"POST", "/v1/recommendations", "web", recs}, {"GET", "/v1/items/i1/similar", "web", ""}}},
		{"one address of a shared write key", []string{"127.0.0.1"}, "POST", "/v1/events", "ingest", 2, "127.0.0.2",
			[]struct{ method, path, key, body string }{{"POST", "/v1/events", "ingest", events}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts, clients := trustServer(t)
			slow := sendSlow(t, ts, tc.attackIPs, 12, tc.method, tc.path, tc.key)
			if got := count(slow, 0); got != tc.admitted {
				t.Errorf("slow bodies being read: %d, want %d", got, tc.admitted)
			}
			if got := count(slow, http.StatusTooManyRequests); got != 12-tc.admitted {
				t.Errorf("slow bodies answered 429: %d, want %d", got, 12-tc.admitted)
			}
			if got := clients.InFlight(tc.key); got != tc.admitted {
				t.Errorf("InFlight(%q) = %d, want %d", tc.key, got, tc.admitted)
			}
			c := client(t, tc.victimIP)
			for _, v := range tc.victims {
				for range 10 { // more than every class bound, sequentially: each must be served
					if got := send(t, c, ts, v.method, v.path, v.key, v.body); got != http.StatusOK {
						t.Fatalf("%s %s as %s from %s while under attack: %d, want 200", v.method, v.path, v.key, tc.victimIP, got)
					}
				}
			}
			for _, s := range slow {
				s.conn.Close()
			}
		})
	}
}

// TestServer_BodyTimeout: a body that does not arrive within BodyTimeout is answered 408,
// on a read and on a write.
func TestServer_BodyTimeout(t *testing.T) {
	for _, path := range []string{"/v1/recommendations", "/v1/events"} {
		t.Run(path, func(t *testing.T) {
			h := server.New(&fakeBackend{}, server.Options{BodyTimeout: 200 * time.Millisecond})
			ts := httptest.NewServer(h)
			defer ts.Close()
			c, err := net.Dial("tcp", ts.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			start := time.Now()
			fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: recd\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[", path)
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestTimeout || time.Since(start) > 3*time.Second {
				t.Errorf("got %d after %v, want 408 after about 200ms", resp.StatusCode, time.Since(start))
			}
		})
	}
}

func TestNewClientLimiter_Invalid(t *testing.T) {
	if _, err := server.NewClientLimiter(-1, 0, nil); err == nil {
		t.Error("negative bound accepted")
	}
}
