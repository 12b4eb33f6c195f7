package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// kindReport is one kind's line of the report. Latencies are in milliseconds, measured from
// when each request was due, over the successful requests.
type kindReport struct {
	Kind        string         `json:"kind"`
	RateWanted  float64        `json:"rate_wanted"`
	Throughput  float64        `json:"throughput"` // successful requests per second of the run
	Scheduled   int            `json:"scheduled"`
	Sent        int            `json:"sent"`
	OK          int            `json:"ok"`
	Failed      int            `json:"failed"`
	Missed      int            `json:"missed"`
	Unavailable int            `json:"unavailable"`
	Statuses    map[string]int `json:"statuses"`
	P50         float64        `json:"p50_ms"`
	P95         float64        `json:"p95_ms"`
	P99         float64        `json:"p99_ms"`
	Max         float64        `json:"max_ms"`
	Mean        float64        `json:"mean_ms"`
}

type report struct {
	Target   string       `json:"target"`
	Duration float64      `json:"duration_s"`
	Elapsed  float64      `json:"elapsed_s"`
	Kinds    []kindReport `json:"kinds"`
	Errors   int          `json:"errors"` // failed + missed over all kinds
	// Slow lists the successful requests at least --slow-over slow, in the order they ended
	// (none without the flag).
	Slow []slowRequest `json:"slow,omitempty"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func newReport(cfg config, res *result) report {
	res.mu.Lock()
	defer res.mu.Unlock()
	rep := report{Target: cfg.Target, Duration: cfg.Duration.Seconds(), Elapsed: res.Elapsed.Seconds(), Slow: res.slow}
	secs := cfg.Duration.Seconds()
	for k := range numKinds {
		s := res.Kinds[k]
		if cfg.Rates[k] == 0 {
			continue
		}
		rep.Kinds = append(rep.Kinds, kindReport{Kind: k.String(), RateWanted: cfg.Rates[k],
			Throughput: float64(s.OK) / secs, Scheduled: s.Scheduled, Sent: s.Sent, OK: s.OK, Failed: s.Failed,
			Missed: s.Missed, Unavailable: s.Unavailable, Statuses: s.Statuses,
			P50: ms(s.lat.quantile(0.50)), P95: ms(s.lat.quantile(0.95)), P99: ms(s.lat.quantile(0.99)),
			Max: ms(s.lat.max), Mean: ms(s.lat.mean())})
		rep.Errors += s.Failed + s.Missed
	}
	return rep
}

func (rep report) print(w io.Writer) {
	fmt.Fprintf(w, "target %s, %.1f s scheduled, %.1f s elapsed\n", rep.Target, rep.Duration, rep.Elapsed)
	fmt.Fprintf(w, "%-16s %8s %9s %8s %8s %7s %7s %9s %9s %9s %9s\n",
		"kind", "want/s", "ok/s", "sent", "ok", "failed", "missed", "p50 ms", "p95 ms", "p99 ms", "max ms")
	for _, k := range rep.Kinds {
		fmt.Fprintf(w, "%-16s %8.0f %9.1f %8d %8d %7d %7d %9.2f %9.2f %9.2f %9.2f\n",
			k.Kind, k.RateWanted, k.Throughput, k.Sent, k.OK, k.Failed, k.Missed, k.P50, k.P95, k.P99, k.Max)
		if k.Unavailable > 0 {
			fmt.Fprintf(w, "  %s: %d answered 404: the route is not available on this server\n", k.Kind, k.Unavailable)
		}
		if len(k.Statuses) > 0 {
			var parts []string
			for st, n := range k.Statuses {
				parts = append(parts, fmt.Sprintf("%s×%d", st, n))
			}
			sort.Strings(parts)
			fmt.Fprintf(w, "  %s errors: %s\n", k.Kind, strings.Join(parts, " "))
		}
	}
	fmt.Fprintf(w, "errors: %d\n", rep.Errors)
}
