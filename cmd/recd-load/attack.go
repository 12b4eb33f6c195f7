package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// attackConfig is the hostile load sent beside the normal traffic (--attack-*): a client
// holding a read key that holds slow bodies open, sends lists far over the limits, the
// costliest request within them, and made-up methods.
type attackConfig struct {
	Slow int     // connections sending a body one byte a second
	RPS  float64 // other hostile requests per second
	Key  string  // the attacker's API key
	From string  // the attacker's source address (127.0.0.2 to share a key from another client)
	Seed uint64
}

func attackFlags(fs *flag.FlagSet) *attackConfig {
	a := &attackConfig{}
	fs.IntVar(&a.Slow, "attack-slow", 0, "hostile connections sending a body a byte a second (0 with --attack-rps 0: no attack)")
	fs.Float64Var(&a.RPS, "attack-rps", 0, "hostile requests per second: huge lists, the costliest valid request, made-up methods")
	fs.StringVar(&a.Key, "attack-key", "", "the attacker's API key (default: --key)")
	fs.StringVar(&a.From, "attack-from", "127.0.0.1", "the attacker's source address (loopback)")
	return a
}

func (a *attackConfig) on() bool { return a.Slow > 0 || a.RPS > 0 }

// attackStats counts the answers the attacker got, by what it sent and status ("err: ..." for
// transport errors). Safe for concurrent use.
type attackStats struct {
	mu     sync.Mutex // guards counts
	counts map[string]map[string]int
}

func (s *attackStats) add(what, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.counts == nil {
		s.counts = map[string]map[string]int{}
	}
	if s.counts[what] == nil {
		s.counts[what] = map[string]int{}
	}
	s.counts[what][status]++
}

func (s *attackStats) print(w io.Writer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	whats := make([]string, 0, len(s.counts))
	for k := range s.counts {
		whats = append(whats, k)
	}
	sort.Strings(whats)
	fmt.Fprintln(w, "attacker's answers:")
	for _, k := range whats {
		fmt.Fprintf(w, "  %-22s %v\n", k, s.counts[k])
	}
}

// startAttack runs the attack until ctx ends; the returned function stops it and waits.
func startAttack(ctx context.Context, a attackConfig, target string) (*attackStats, func()) {
	ctx, cancel := context.WithCancel(ctx)
	st := &attackStats{}
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(a.From)}, Timeout: 5 * time.Second}
	host := strings.TrimPrefix(strings.TrimPrefix(target, "http://"), "https://")
	var wg sync.WaitGroup
	for range a.Slow {
		wg.Go(func() { slowBodies(ctx, d, host, a.Key, st) })
	}
	if a.RPS > 0 {
		tr := &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 64}
		client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
		wg.Go(func() {
			defer tr.CloseIdleConnections()
			hostile(ctx, client, target, a, st)
		})
	}
	return st, func() { cancel(); wg.Wait() }
}

// slowBodies keeps one connection sending POST /v1/recommendations a byte a second, opening a
// new one a tenth of a second after the server answers or closes it (sooner would measure
// the loopback's connection churn, not the server).
func slowBodies(ctx context.Context, d *net.Dialer, host, key string, st *attackStats) {
	for ctx.Err() == nil {
		c, err := d.DialContext(ctx, "tcp", host)
		if err != nil {
			st.add("slow body", "err: dial")
			time.Sleep(100 * time.Millisecond)
			continue
		}
		fmt.Fprintf(c, "POST /v1/recommendations HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"+
			"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{", host, key)
		answered := make(chan string, 1)
		go func() {
			buf := make([]byte, 64)
			n, _ := c.Read(buf)
			status := "closed"
			if f := strings.Fields(string(buf[:n])); len(f) > 1 {
				status = f[1]
			}
			answered <- status
		}()
		t := time.NewTicker(time.Second)
	trickle:
		for {
			select {
			case s := <-answered:
				st.add("slow body", s)
				break trickle
			case <-ctx.Done():
				break trickle
			case <-t.C:
				if _, err := c.Write([]byte(" ")); err != nil {
					st.add("slow body", "closed")
					break trickle
				}
			}
		}
		t.Stop()
		c.Close()
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// hostile sends, at a.RPS, in turn: 20,000 filters, 2 M categories, the costliest request
// within the limits, and a made-up 1 KB method.
func hostile(ctx context.Context, client *http.Client, target string, a attackConfig, st *attackStats) {
	rng := rand.New(rand.NewPCG(a.Seed, 7))
	filters := make([]string, 20000)
	for i := range filters {
		filters[i] = fmt.Sprintf(`"year>=%d"`, i)
	}
	huge := map[string]string{
		"20k filters":   `{"user_id":"1","filters":[` + strings.Join(filters, ",") + `]}`,
		"2M categories": `{"user_id":"1","categories":["` + strings.Repeat(`c","`, 2_000_000) + `c"]}`,
		"worst valid":   worstValid(),
	}
	order := []string{"20k filters", "2M categories", "worst valid", "made-up method"}
	var wg sync.WaitGroup
	defer wg.Wait()
	tick := time.NewTicker(time.Duration(float64(time.Second) / a.RPS))
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		what := order[i%len(order)]
		method, path, body := "POST", "/v1/recommendations", huge[what]
		if what == "made-up method" {
			b := make([]byte, 1024)
			for j := range b {
				b[j] = byte('A' + rng.IntN(26))
			}
			method, path, body = string(b), "/v1/popular", ""
		}
		wg.Go(func() {
			req, err := http.NewRequestWithContext(ctx, method, target+path, strings.NewReader(body))
			if err != nil {
				st.add(what, "err: request")
				return
			}
			req.Header.Set("Authorization", "Bearer "+a.Key)
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				if ctx.Err() == nil {
					st.add(what, "err: "+errClass(err))
				}
				return
			}
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			st.add(what, fmt.Sprint(resp.StatusCode))
		})
	}
}

// worstValid is the costliest recommendation request within the default limits: every
// list full, n at max_n, every re-ranking stage at full strength.
func worstValid() string {
	list := func(n int, f string) string {
		xs := make([]string, n)
		for i := range xs {
			xs[i] = fmt.Sprintf(`"`+f+`"`, i)
		}
		return "[" + strings.Join(xs, ",") + "]"
	}
	cats := list(256, "cat%d")
	genres := `"Comedy","Drama","Action","Thriller","Romance","Adventure","Crime","Sci-Fi","Horror","Fantasy",` +
		`"Children","Animation","Mystery","Documentary","War","Musical","Western","IMAX","Film-Noir"`
	cats = "[" + genres + "," + strings.Join(strings.Split(cats[1:len(cats)-1], ",")[19:], ",") + "]"
	return `{"user_id":"1","n":200,"diversity":1,"calibration":1,"long_tail_share":1,"session_weight":1,` +
		`"exposure_strength":10,"exclude":` + list(1000, "%d") + `,"context_items":` + list(256, "%d") +
		`,"categories":` + cats + `,"exclude_categories":` + list(256, "nocat%d") +
		`,"filters":` + list(64, "year>=%d") + `,"boosts":` + list(64, "year>=%d^1.01") + `}`
}

// reportAttack prints what the attacker got and what the server says of itself afterwards.
func reportAttack(ctx context.Context, w io.Writer, client *http.Client, cfg config, st *attackStats) {
	st.print(w)
	f, err := scrapeMetrics(ctx, client, cfg.Target, cfg.Key)
	if err != nil {
		fmt.Fprintln(w, "server: /metrics:", err)
		return
	}
	f.print(w)
}
