package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// kind is a request kind of the mix.
type kind int

const (
	kindRecs kind = iota
	kindEvents
	kindQuery
	numKinds
)

var kindNames = [numKinds]string{"recommendations", "events", "query"}

func (k kind) String() string { return kindNames[k] }

// config is one load run.
type config struct {
	Target      string
	Rates       [numKinds]float64 // requests per second per kind
	Duration    time.Duration
	UserLo      int
	UserHi      int
	UserPrefix  string // put before the user number ("u" for recd generate's ids)
	Items       []string
	Key         string
	Concurrency int           // most requests in flight
	Timeout     time.Duration // per request
	Seed        uint64
	// SlowOver, when positive, lists every successful request at least this slow with the
	// time it was due (report.Slow, at most maxSlow of them), so that a tail can be laid
	// against the server's own timeline (its collector's cycles, say).
	SlowOver time.Duration
}

// maxSlow bounds the slow requests a report lists.
const maxSlow = 100_000

// slowRequest is one request at least config.SlowOver slow.
type slowRequest struct {
	Kind   string  `json:"kind"`
	DueMs  int64   `json:"due_unix_ms"` // when it was due, Unix milliseconds
	Millis float64 `json:"ms"`          // its latency from then
}

// clock is the time source of a run; tests use a fake that jumps instead of sleeping.
type clock interface {
	Now() time.Time
	SleepUntil(ctx context.Context, t time.Time) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }
func (realClock) SleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// scheduled returns how many requests of a kind at rate r/s fall in a run of length d:
// request i is due at i/r seconds after the start, for every i/r < d.
func scheduled(r float64, d time.Duration) int {
	if r <= 0 {
		return 0
	}
	n := int(math.Ceil(d.Seconds() * r))
	for n > 0 && float64(n-1)/r >= d.Seconds() {
		n--
	}
	return n
}

// due is the offset of request i of a kind at rate r from the start of the run.
func due(i int, r float64) time.Duration { return time.Duration(float64(i) / r * float64(time.Second)) }

// kindStats are the outcomes of one kind. Guarded by result.mu.
type kindStats struct {
	Scheduled   int            `json:"scheduled"`
	Sent        int            `json:"sent"`
	OK          int            `json:"ok"`
	Missed      int            `json:"missed"`      // due but not sent: the in-flight bound was full until the end
	Unavailable int            `json:"unavailable"` // 404: the route does not exist on this server
	Failed      int            `json:"failed"`      // any other non-2xx or transport error
	Statuses    map[string]int `json:"statuses"`    // non-2xx status codes and error classes
	lat         hist
}

// result is a run's outcome. Safe for concurrent use through record.
type result struct {
	mu      sync.Mutex
	Elapsed time.Duration
	Kinds   [numKinds]*kindStats
	slowest time.Duration // SlowOver: 0 lists none
	slow    []slowRequest
}

// record counts one request of kind k, due at due, that took lat.
func (r *result) record(k kind, due time.Time, lat time.Duration, status int, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.Kinds[k]
	if r.slowest > 0 && lat >= r.slowest && err == nil && status >= 200 && status < 300 && len(r.slow) < maxSlow {
		r.slow = append(r.slow, slowRequest{Kind: k.String(), DueMs: due.UnixMilli(), Millis: ms(lat)})
	}
	switch {
	case err != nil:
		s.Failed++
		s.Statuses[errClass(err)]++
	case status == http.StatusNotFound && k == kindQuery:
		s.Unavailable++
	case status >= 200 && status < 300:
		s.OK++
		s.lat.record(lat)
	default:
		s.Failed++
		s.Statuses[strconv.Itoa(status)]++
	}
}

func errClass(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return "transport"
}

// lateGrace is how far past the end of the run a due request may still be sent; later
// ones are counted as missed.
const lateGrace = 100 * time.Millisecond

// runner sends the mix. Its random source is used only by the dispatching goroutine.
type runner struct {
	cfg    config
	clk    clock
	client *http.Client
	rng    *rand.Rand
}

var queryTexts = []string{
	"a lighthearted comedy from the 90s", "space adventure like star wars", "something for kids about animals",
	"dark thriller but not horror", "romantic movie set in paris",
}

// request builds the next request of kind k.
func (r *runner) request(ctx context.Context, k kind) (*http.Request, error) {
	user := r.cfg.UserPrefix + strconv.Itoa(r.cfg.UserLo+r.rng.IntN(r.cfg.UserHi-r.cfg.UserLo+1))
	var method, path string
	var body []byte
	switch k {
	case kindRecs:
		method, path = "GET", "/v1/users/"+user+"/recommendations?n=10"
	case kindEvents:
		item := r.cfg.Items[r.rng.IntN(len(r.cfg.Items))]
		method, path = "POST", "/v1/events"
		body, _ = json.Marshal([]map[string]string{{"user_id": user, "item_id": item, "type": "click"}})
	case kindQuery:
		method, path = "POST", "/v1/query"
		body, _ = json.Marshal(map[string]any{"text": queryTexts[r.rng.IntN(len(queryTexts))], "user_id": user, "n": 10})
	}
	req, err := http.NewRequestWithContext(ctx, method, r.cfg.Target+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.cfg.Key != "" {
		req.Header.Set("Authorization", "Bearer "+r.cfg.Key)
	}
	return req, nil
}

// run replays the mix open-loop: request i of each kind is due at a fixed offset from the
// start whatever the answers, and its latency is measured from when it was due, so time
// spent waiting for an in-flight slot counts (no coordinated omission). Requests that could
// not be sent by the end of the duration (plus lateGrace) are counted as missed. It returns once every
// sent request has finished.
func (r *runner) run(ctx context.Context) (*result, error) {
	if r.rng == nil {
		r.rng = rand.New(rand.NewPCG(r.cfg.Seed, 0x5eed))
	}
	res := &result{slowest: r.cfg.SlowOver}
	next := [numKinds]int{}
	for k := range numKinds {
		res.Kinds[k] = &kindStats{Scheduled: scheduled(r.cfg.Rates[k], r.cfg.Duration), Statuses: map[string]int{}}
	}
	sem := make(chan struct{}, r.cfg.Concurrency)
	var wg sync.WaitGroup
	start := r.clk.Now()
	end := start.Add(r.cfg.Duration)
	for {
		k := kind(-1)
		var at time.Duration
		for kk := range numKinds {
			if next[kk] >= res.Kinds[kk].Scheduled {
				continue
			}
			if d := due(next[kk], r.cfg.Rates[kk]); k < 0 || d < at {
				k, at = kk, d
			}
		}
		if k < 0 {
			break
		}
		intended := start.Add(at)
		if err := r.clk.SleepUntil(ctx, intended); err != nil {
			break
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		if !r.clk.Now().Before(end.Add(lateGrace)) { // held up (by the in-flight bound) past the end
			<-sem
			break
		}
		next[k]++
		req, err := r.request(ctx, k)
		if err != nil {
			<-sem
			return nil, fmt.Errorf("build request: %w", err)
		}
		wg.Add(1)
		go func(k kind, req *http.Request, intended time.Time) {
			defer wg.Done()
			defer func() { <-sem }()
			status, err := r.send(req)
			res.record(k, intended, r.clk.Now().Sub(intended), status, err)
		}(k, req, intended)
	}
	wg.Wait()
	res.Elapsed = r.clk.Now().Sub(start)
	for k := range numKinds {
		res.Kinds[k].Sent = next[k]
		res.Kinds[k].Missed = res.Kinds[k].Scheduled - next[k]
	}
	return res, ctx.Err()
}

func (r *runner) send(req *http.Request) (int, error) {
	ctx, cancel := context.WithTimeout(req.Context(), r.cfg.Timeout)
	defer cancel()
	resp, err := r.client.Do(req.WithContext(ctx))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}
