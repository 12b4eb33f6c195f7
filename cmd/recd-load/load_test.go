package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock jumps to each wake-up time instead of sleeping and records the wake-ups.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	wakeup []time.Time
	jumpAt int // if > 0, the jumpAt-th SleepUntil wakes up at jumpTo instead (a late dispatcher)
	jumpTo time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) SleepUntil(ctx context.Context, t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
	}
	c.wakeup = append(c.wakeup, t)
	if len(c.wakeup) == c.jumpAt {
		c.now = c.jumpTo
	}
	return ctx.Err()
}

// fakeServer counts requests by kind and answers with the given statuses.
type fakeServer struct {
	mu     sync.Mutex
	counts map[string]int
	events map[string]int // item ids seen in events
	status map[string]int // path prefix -> status
}

func newFakeServer(status map[string]int) *fakeServer {
	return &fakeServer{counts: map[string]int{}, events: map[string]int{}, status: status}
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var k string
	switch {
	case r.Method == "GET" && strings.HasSuffix(r.URL.Path, "/recommendations"):
		k = "recs"
	case r.Method == "POST" && r.URL.Path == "/v1/events":
		k = "events"
		var evs []map[string]string
		if err := json.NewDecoder(r.Body).Decode(&evs); err != nil || len(evs) != 1 || evs[0]["user_id"] == "" {
			http.Error(w, "bad event", 400)
			return
		}
		f.mu.Lock()
		f.events[evs[0]["item_id"]]++
		f.mu.Unlock()
	case r.Method == "POST" && r.URL.Path == "/v1/query":
		k = "query"
	case r.Method == "GET" && r.URL.Path == "/v1/items":
		if r.URL.Query().Get("cursor") == "" {
			w.Write([]byte(`{"items":[{"id":"a"},{"id":"b"}],"next_cursor":"p2"}`))
		} else {
			w.Write([]byte(`{"items":[{"id":"c"}],"next_cursor":""}`))
		}
		return
	default:
		http.NotFound(w, r)
		return
	}
	f.mu.Lock()
	f.counts[k]++
	st := f.status[k]
	f.mu.Unlock()
	if st == 0 {
		st = 200
	}
	w.WriteHeader(st)
	w.Write([]byte(`{}`))
}

func TestRunner_Run(t *testing.T) {
	fs := newFakeServer(map[string]int{"query": 404})
	ts := httptest.NewServer(fs)
	defer ts.Close()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clk := &fakeClock{now: start}
	cfg := config{Target: ts.URL, Rates: [numKinds]float64{50, 20, 10}, Duration: 2 * time.Second,
		UserLo: 1, UserHi: 610, Items: []string{"x", "y"}, Concurrency: 8, Timeout: 5 * time.Second, Seed: 1}
	r := &runner{cfg: cfg, clk: clk, client: ts.Client()}
	res, err := r.run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"recs": 100, "events": 40, "query": 20}
	for k, n := range want {
		if fs.counts[k] != n {
			t.Errorf("server saw %d %s requests, want %d", fs.counts[k], k, n)
		}
	}
	if s := res.Kinds[kindRecs]; s.OK != 100 || s.Sent != 100 || s.Missed != 0 || s.Failed != 0 || s.lat.n != 100 {
		t.Errorf("recs stats = %+v", s)
	}
	if s := res.Kinds[kindEvents]; s.OK != 40 || fs.events["x"]+fs.events["y"] != 40 {
		t.Errorf("events stats = %+v, items seen %v", s, fs.events)
	}
	if s := res.Kinds[kindQuery]; s.Unavailable != 20 || s.OK != 0 || s.Failed != 0 {
		t.Errorf("query stats = %+v, want 20 unavailable", s)
	}
	// Open loop at the set rate: 80 requests due in each second, spread through the run.
	perSecond := map[int]int{}
	for _, w := range clk.wakeup {
		perSecond[int(w.Sub(start)/time.Second)]++
	}
	if perSecond[0] != 80 || perSecond[1] != 80 || len(perSecond) != 2 {
		t.Errorf("requests due per second = %v, want 80 in each of 2", perSecond)
	}
	if res.Elapsed < 1980*time.Millisecond || res.Elapsed >= 2*time.Second {
		t.Errorf("elapsed on the fake clock = %v, want the last due time 1.98 s", res.Elapsed)
	}
}

func TestRunner_Run_Errors(t *testing.T) {
	fs := newFakeServer(map[string]int{"events": 500, "recs": 429})
	ts := httptest.NewServer(fs)
	defer ts.Close()
	clk := &fakeClock{now: time.Unix(0, 0)}
	cfg := config{Target: ts.URL, Rates: [numKinds]float64{10, 5, 0}, Duration: time.Second,
		UserLo: 1, UserHi: 1, Items: []string{"x"}, Concurrency: 2, Timeout: 5 * time.Second}
	res, err := (&runner{cfg: cfg, clk: clk, client: ts.Client()}).run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rep := newReport(cfg, res)
	if len(rep.Kinds) != 2 || rep.Errors != 15 {
		t.Fatalf("report = %+v, want 2 kinds and 15 errors", rep)
	}
	if rep.Kinds[0].Statuses["429"] != 10 || rep.Kinds[1].Statuses["500"] != 5 {
		t.Errorf("statuses = %v %v", rep.Kinds[0].Statuses, rep.Kinds[1].Statuses)
	}
	if res.Kinds[kindQuery].Sent != 0 {
		t.Errorf("query at rate 0 sent %d", res.Kinds[kindQuery].Sent)
	}
}

func TestScheduled(t *testing.T) {
	for _, tc := range []struct {
		rate float64
		d    time.Duration
		want int
	}{{100, time.Second, 100}, {3, time.Second, 3}, {0.5, 3 * time.Second, 2}, {7, 1500 * time.Millisecond, 11}, {0, time.Hour, 0}} {
		if got := scheduled(tc.rate, tc.d); got != tc.want {
			t.Errorf("scheduled(%g, %v) = %d, want %d", tc.rate, tc.d, got, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	base := config{Rates: [numKinds]float64{1}, Duration: time.Second, Concurrency: 1, Timeout: time.Second}
	for target, ok := range map[string]bool{"http://127.0.0.1:8080": true, "http://[::1]:80": true, "http://localhost:1": true,
		"http://10.0.0.1:8080": false, "http://example.com": false, "ftp://127.0.0.1": false, "127.0.0.1:80": false} {
		cfg := base
		cfg.Target = target
		if err := validate(&cfg, false); (err == nil) != ok {
			t.Errorf("validate(%s) = %v, want ok=%v", target, err, ok)
		}
	}
	cfg := base
	cfg.Target = "http://example.com"
	if err := validate(&cfg, true); err != nil {
		t.Errorf("--allow-remote: %v", err)
	}
	cfg = base
	cfg.Target, cfg.Duration = "http://127.0.0.1:1", 31*time.Minute
	if validate(&cfg, false) == nil {
		t.Error("31m accepted")
	}
}

// TestRun_JSON runs the command end to end for a fraction of a second and checks the counts
// (never the timings) of the JSON report.
func TestRun_JSON(t *testing.T) {
	fs := newFakeServer(nil)
	ts := httptest.NewServer(fs)
	defer ts.Close()
	var out, errw bytes.Buffer
	err := run(context.Background(), []string{"--target", ts.URL, "--rps-recs", "40", "--rps-events", "20",
		"--rps-query", "0", "--duration", "250ms", "--json"}, &out, &errw)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, errw.String())
	}
	var rep report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, out.String())
	}
	if len(rep.Kinds) != 2 || rep.Kinds[0].OK != 10 || rep.Kinds[1].OK != 5 || rep.Errors != 0 {
		t.Errorf("report = %+v, want 10 recs and 5 events ok", rep)
	}
	if fs.events["a"]+fs.events["b"]+fs.events["c"] != 5 {
		t.Errorf("events used items %v, want the 3 fetched from /v1/items", fs.events)
	}
	if err := run(context.Background(), []string{"--target", "http://192.0.2.1:80"}, &out, &errw); err == nil ||
		!strings.Contains(err.Error(), "loopback") {
		t.Errorf("remote target: %v, want a loopback refusal", err)
	}
}

// TestRunner_Run_Missed: requests that could not go out by the end of the run (here the
// dispatcher wakes up late, past the end) are reported as missed, not sent late.
func TestRunner_Run_Missed(t *testing.T) {
	fs := newFakeServer(nil)
	ts := httptest.NewServer(fs)
	defer ts.Close()
	start := time.Unix(0, 0)
	clk := &fakeClock{now: start, jumpAt: 4, jumpTo: start.Add(2 * time.Second)}
	cfg := config{Target: ts.URL, Rates: [numKinds]float64{10, 0, 0}, Duration: time.Second,
		UserLo: 1, UserHi: 1, Concurrency: 1, Timeout: 5 * time.Second}
	res, err := (&runner{cfg: cfg, clk: clk, client: ts.Client()}).run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Kinds[kindRecs]; s.Sent != 3 || s.OK != 3 || s.Missed != 7 || fs.counts["recs"] != 3 {
		t.Errorf("stats = %+v, server saw %d; want 3 sent and 7 missed", s, fs.counts["recs"])
	}
}

// TestRunner_UserPrefix: with a user prefix every recommendation and event names a user
// "<prefix><number>" within the range, as recd generate's ids are spelled.
func TestRunner_UserPrefix(t *testing.T) {
	var mu sync.Mutex
	var bad []string
	seen := 0
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen++
		mu.Unlock()
		user := ""
		if r.Method == "GET" {
			user = strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v1/users/"), "/recommendations")
		} else {
			var evs []map[string]string
			_ = json.NewDecoder(r.Body).Decode(&evs)
			if len(evs) == 1 {
				user = evs[0]["user_id"]
			}
		}
		if n, err := strconv.Atoi(strings.TrimPrefix(user, "u")); !strings.HasPrefix(user, "u") || err != nil || n < 3 || n > 5 {
			mu.Lock()
			bad = append(bad, r.Method+" "+r.URL.Path+" "+user)
			mu.Unlock()
		}
		w.Write([]byte(`{}`))
	}))
	defer ts.Close()
	clk := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	cfg := config{Target: ts.URL, Rates: [numKinds]float64{20, 10, 0}, Duration: time.Second, UserLo: 3, UserHi: 5,
		UserPrefix: "u", Items: []string{"x"}, Concurrency: 4, Timeout: 5 * time.Second, Seed: 1}
	r := &runner{cfg: cfg, clk: clk, client: ts.Client()}
	if _, err := r.run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 || seen != 30 {
		t.Errorf("%d requests, want 30; with users outside u3..u5: %v", seen, bad)
	}
}

// TestRun_SlowOver: --slow-over lists the successful requests at least that slow (every
// recommendation here, which the server holds 40 ms; an event only if the machine made it
// that slow) and none faster, each with when it was due (within the run) and its latency;
// without it the list is absent.
func TestRun_SlowOver(t *testing.T) {
	fs := newFakeServer(nil)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/recommendations") {
			time.Sleep(40 * time.Millisecond)
		}
		fs.ServeHTTP(w, r)
	}))
	defer ts.Close()
	for _, tc := range []struct {
		flag string
		want int
	}{{"20ms", 10}, {"0s", 0}} {
		var out, errw bytes.Buffer
		start := time.Now()
		err := run(context.Background(), []string{"--target", ts.URL, "--rps-recs", "40", "--rps-events", "20",
			"--duration", "250ms", "--items", "a,b", "--json", "--slow-over", tc.flag}, &out, &errw)
		if err != nil {
			t.Fatalf("run: %v\n%s", err, errw.String())
		}
		var rep report
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatal(err)
		}
		recs := 0
		for _, s := range rep.Slow {
			due := time.UnixMilli(s.DueMs)
			if s.Millis < 20 || due.Before(start.Add(-time.Second)) || due.After(time.Now()) {
				t.Errorf("slow request %+v: want 20 ms or more, due within the run", s)
			}
			if s.Kind == "recommendations" {
				recs++
			}
		}
		if recs != tc.want || (tc.want == 0 && len(rep.Slow) > 0) {
			t.Fatalf("--slow-over %s: %d slow recommendations listed of %d, want %d: %+v", tc.flag, recs, len(rep.Slow), tc.want, rep.Slow)
		}
	}
	var out, errw bytes.Buffer
	if err := run(context.Background(), []string{"--target", ts.URL, "--slow-over", "-1s"}, &out, &errw); err == nil {
		t.Error("a negative --slow-over was accepted")
	}
}
