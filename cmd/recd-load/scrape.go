package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// serverFigures are what the server says of itself on /metrics after a run.
type serverFigures struct {
	MetricsBytes int                // size of the /metrics page
	RSSBytes     float64            // process_resident_memory_bytes
	P99          map[string]float64 // recd_http_request_duration_seconds p99 (upper bucket bound) by route
	Series       int                // recd_http_request_duration_seconds series
}

// scrapeMetrics reads /metrics (with key, for protect_ops) and works out the figures.
func scrapeMetrics(ctx context.Context, client *http.Client, target, key string) (serverFigures, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", target+"/metrics", nil)
	if err != nil {
		return serverFigures{}, err
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := client.Do(req)
	if err != nil {
		return serverFigures{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return serverFigures{}, fmt.Errorf("GET /metrics: status %d", resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<30))
	if err != nil {
		return serverFigures{}, err
	}
	return parseFigures(string(b)), nil
}

// parseFigures reads the Prometheus text format: the duration histogram's buckets summed by
// route over methods and statuses, and the resident memory.
func parseFigures(text string) serverFigures {
	f := serverFigures{MetricsBytes: len(text), P99: map[string]float64{}}
	buckets := map[string]map[float64]float64{}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "process_resident_memory_bytes "):
			f.RSSBytes, _ = strconv.ParseFloat(strings.TrimPrefix(line, "process_resident_memory_bytes "), 64)
		case strings.HasPrefix(line, "recd_http_request_duration_seconds_bucket{"):
			route, le, v, ok := bucketLine(line)
			if !ok {
				continue
			}
			if buckets[route] == nil {
				buckets[route] = map[float64]float64{}
			}
			buckets[route][le] += v
		case strings.HasPrefix(line, "recd_http_request_duration_seconds_count{"):
			f.Series++
		}
	}
	for route, bs := range buckets {
		f.P99[route] = quantile(bs, 0.99)
	}
	return f
}

func bucketLine(line string) (route string, le, v float64, ok bool) {
	labels, val, found := strings.Cut(line[strings.IndexByte(line, '{')+1:], "} ")
	if !found {
		return "", 0, 0, false
	}
	for _, kv := range strings.Split(labels, ",") {
		k, q, _ := strings.Cut(kv, "=")
		q = strings.Trim(q, `"`)
		switch k {
		case "route":
			route = q
		case "le":
			if q == "+Inf" {
				le = math.Inf(1)
			} else {
				le, _ = strconv.ParseFloat(q, 64)
			}
		}
	}
	v, err := strconv.ParseFloat(val, 64)
	return route, le, v, err == nil && route != ""
}

// quantile is the upper bound of the first cumulative bucket holding q of the observations.
func quantile(cum map[float64]float64, q float64) float64 {
	les := make([]float64, 0, len(cum))
	for le := range cum {
		les = append(les, le)
	}
	sort.Float64s(les)
	total := cum[math.Inf(1)]
	for _, le := range les {
		if total > 0 && cum[le] >= q*total {
			return le
		}
	}
	return math.NaN()
}

func (f serverFigures) print(w io.Writer) {
	fmt.Fprintf(w, "server: /metrics %d bytes, %d duration series, RSS %.0f MiB\n", f.MetricsBytes, f.Series, f.RSSBytes/(1<<20))
	routes := make([]string, 0, len(f.P99))
	for r := range f.P99 {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	for _, r := range routes {
		fmt.Fprintf(w, "  p99 %-36s <= %g s\n", r, f.P99[r])
	}
}
