// Command recd-load replays a mix of recommendation, event and query requests against a
// recd server at fixed rates for a fixed time (open loop) and prints throughput, latency
// percentiles and error counts per request kind.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const maxDuration = 30 * time.Minute

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "recd-load:", err)
		}
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("recd-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("target", "http://127.0.0.1:8080", "server base URL (loopback only unless --allow-remote)")
	allowRemote := fs.Bool("allow-remote", false, "allow a target that is not on loopback")
	rpsRecs := fs.Float64("rps-recs", 100, "GET /v1/users/{id}/recommendations per second")
	rpsEvents := fs.Float64("rps-events", 25, "POST /v1/events per second (one event each)")
	rpsQuery := fs.Float64("rps-query", 0, "POST /v1/query per second (404 is reported as unavailable)")
	duration := fs.Duration("duration", 10*time.Second, "how long to send (at most 30m)")
	users := fs.String("users", "1..610", "user id range lo..hi")
	userPrefix := fs.String("user-prefix", "", `text before each user number ("u" for the ids recd generate writes)`)
	items := fs.String("items", "", "item ids for events: a..b range or comma list (default: read GET /v1/items)")
	key := fs.String("key", "", "API key sent as Authorization: Bearer (default $RECD_LOAD_KEY)")
	concurrency := fs.Int("concurrency", 128, "most requests in flight")
	timeout := fs.Duration("timeout", 10*time.Second, "per-request timeout")
	seed := fs.Uint64("seed", 1, "random seed for users, items and query texts")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	slowOver := fs.Duration("slow-over", 0, "list each request at least this slow, with when it was due, in the JSON report (0: none)")
	atk := attackFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg := config{Target: strings.TrimRight(*target, "/"), Rates: [numKinds]float64{*rpsRecs, *rpsEvents, *rpsQuery},
		Duration: *duration, Key: *key, UserPrefix: *userPrefix, Concurrency: *concurrency, Timeout: *timeout, Seed: *seed,
		SlowOver: *slowOver}
	if cfg.Key == "" {
		cfg.Key = os.Getenv("RECD_LOAD_KEY")
	}
	var err error
	if cfg.UserLo, cfg.UserHi, err = parseRange(*users); err != nil {
		return fmt.Errorf("--users: %w", err)
	}
	if err := validate(&cfg, *allowRemote); err != nil {
		return err
	}
	client := newClient(cfg.Concurrency)
	if cfg.Items, err = parseItems(*items); err != nil {
		return fmt.Errorf("--items: %w", err)
	}
	if len(cfg.Items) == 0 && cfg.Rates[kindEvents] > 0 {
		if cfg.Items, err = fetchItems(ctx, client, cfg); err != nil {
			return fmt.Errorf("read items from %s: %w", cfg.Target, err)
		}
	}
	fmt.Fprintf(stderr, "recd-load: %s for %s: %.0f recs/s, %.0f events/s, %.0f query/s, %d in flight at most\n",
		cfg.Target, cfg.Duration, cfg.Rates[kindRecs], cfg.Rates[kindEvents], cfg.Rates[kindQuery], cfg.Concurrency)
	r := &runner{cfg: cfg, clk: realClock{}, client: client}
	var stopAttack func()
	var atkStats *attackStats
	if atk.on() {
		atk.Seed = cfg.Seed
		if atk.Key == "" {
			atk.Key = cfg.Key
		}
		atkStats, stopAttack = startAttack(ctx, *atk, cfg.Target)
	}
	res, runErr := r.run(ctx)
	if stopAttack != nil {
		stopAttack()
		defer reportAttack(ctx, stdout, client, cfg, atkStats)
	}
	if res == nil {
		return runErr
	}
	rep := newReport(cfg, res)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		rep.print(stdout)
	}
	if runErr != nil && !errors.Is(runErr, context.Canceled) {
		return runErr
	}
	return nil
}

func validate(cfg *config, allowRemote bool) error {
	u, err := url.Parse(cfg.Target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--target %q: want http://host:port", cfg.Target)
	}
	if !allowRemote && !isLoopback(u.Hostname()) {
		return fmt.Errorf("--target %q is not on loopback; pass --allow-remote to load another host", cfg.Target)
	}
	if cfg.Duration <= 0 || cfg.Duration > maxDuration {
		return fmt.Errorf("--duration %s: want more than 0 and at most %s", cfg.Duration, maxDuration)
	}
	total := 0.0
	for k, r := range cfg.Rates {
		if !(r >= 0) || r > 1e6 {
			return fmt.Errorf("--rps-%s %g: want 0 to 1e6", []string{"recs", "events", "query"}[k], r)
		}
		total += r
	}
	if total == 0 {
		return errors.New("every rate is zero: nothing to send")
	}
	if cfg.Concurrency < 1 || cfg.Concurrency > 100000 {
		return fmt.Errorf("--concurrency %d: want 1 to 100000", cfg.Concurrency)
	}
	if cfg.SlowOver < 0 {
		return errors.New("--slow-over must not be negative")
	}
	if cfg.Timeout <= 0 {
		return errors.New("--timeout must be positive")
	}
	return nil
}

// isLoopback reports whether host is "localhost" or a loopback IP literal. Names other than
// localhost are refused rather than resolved, so DNS cannot redirect the load elsewhere.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func parseRange(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, "..")
	lo, err1 := strconv.Atoi(strings.TrimSpace(a))
	hi, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || lo > hi || hi-lo > 1<<30 {
		return 0, 0, fmt.Errorf("%q: want lo..hi with lo <= hi", s)
	}
	return lo, hi, nil
}

func parseItems(s string) ([]string, error) {
	if s = strings.TrimSpace(s); s == "" {
		return nil, nil
	}
	if strings.Contains(s, "..") {
		lo, hi, err := parseRange(s)
		if err != nil {
			return nil, err
		}
		if hi-lo >= 1<<20 {
			return nil, fmt.Errorf("%q: at most 2^20 items", s)
		}
		out := make([]string, 0, hi-lo+1)
		for i := lo; i <= hi; i++ {
			out = append(out, strconv.Itoa(i))
		}
		return out, nil
	}
	var out []string
	for _, id := range strings.Split(s, ",") {
		if id = strings.TrimSpace(id); id != "" {
			out = append(out, id)
		}
	}
	return out, nil
}

func newClient(concurrency int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = concurrency
	tr.MaxIdleConnsPerHost = concurrency
	tr.DisableCompression = true
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

const maxFetchedItems = 200000

// fetchItems pages through GET /v1/items for event item ids (at most maxFetchedItems).
func fetchItems(ctx context.Context, client *http.Client, cfg config) ([]string, error) {
	var out []string
	cursor := ""
	for len(out) < maxFetchedItems {
		req, err := http.NewRequestWithContext(ctx, "GET", cfg.Target+"/v1/items?limit=1000&cursor="+url.QueryEscape(cursor), nil)
		if err != nil {
			return nil, err
		}
		if cfg.Key != "" {
			req.Header.Set("Authorization", "Bearer "+cfg.Key)
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		var page struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
			Next string `json:"next_cursor"`
		}
		err = json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&page)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET /v1/items: status %d", resp.StatusCode)
		}
		if err != nil {
			return nil, fmt.Errorf("GET /v1/items: %w", err)
		}
		for _, it := range page.Items {
			out = append(out, it.ID)
		}
		if page.Next == "" || page.Next == cursor {
			break
		}
		cursor = page.Next
	}
	if len(out) == 0 {
		return nil, errors.New("the server has no items; pass --items or set --rps-events 0")
	}
	return out, nil
}
