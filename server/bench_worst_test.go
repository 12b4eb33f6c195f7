package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/recd/recd/dataset"
	"github.com/recd/recd/service"
)

// worstRecommendBody is the costliest recommendation body a read key may send under the
// default limits, on the bundled data: every list at its limit (real item ids, the real
// genres among made-up categories, conditions and boosts every item must be checked
// against), n at max_n and every re-ranking stage at full strength.
func worstRecommendBody(ids, genres []string, user, n int) string {
	l := service.DefaultLimits()
	cats := make([]string, l.MaxCategories)
	for i := range cats {
		cats[i] = fmt.Sprintf("made-up-category-%d", i)
	}
	copy(cats, genres)
	excl := make([]string, l.MaxCategories)
	for i := range excl {
		excl[i] = fmt.Sprintf("no-such-category-%d", i)
	}
	filters := make([]string, l.MaxFilters)
	boosts := make([]string, l.MaxBoosts)
	for i := range filters {
		filters[i] = fmt.Sprintf("year>=%d", 1000+i) // true of every dated item: all are evaluated
		boosts[i] = fmt.Sprintf("category=%s^1.01", genres[i%len(genres)])
	}
	body, _ := json.Marshal(map[string]any{"user_id": fmt.Sprint(user), "session_id": "s" + fmt.Sprint(user),
		"context_items": ids[l.MaxExclude : l.MaxExclude+l.MaxListLength], "n": n,
		"exclude": ids[:l.MaxExclude], "categories": cats, "exclude_categories": excl,
		"filters": filters, "boosts": boosts, "diversity": 1, "calibration": 1, "long_tail_share": 1,
		"session_weight": 1, "exposure_strength": 10, "rotation": 1})
	return string(body)
}

// BenchmarkWorstReadKeyRequest is the costliest request a read key can send under the
// default limits, end to end through the handler on the bundled MovieLens data; cpu-ms/op is
// the process's CPU time (user and system, GC included) per request, the figure the limits
// are sized by (target: at most 50 ms).
func BenchmarkWorstReadKeyRequest(b *testing.B) {
	data, err := dataset.ReadMovieLens("../examples/ml-latest-small")
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, 0, len(data.Items))
	seen := map[string]bool{}
	var genres []string
	for _, it := range data.Items {
		ids = append(ids, it.ID)
		for _, c := range it.Categories {
			if !seen[c] {
				seen[c] = true
				genres = append(genres, c)
			}
		}
	}
	h := mlHandler(b)
	for _, n := range []int{service.DefaultLimits().MaxN, 10} {
		b.Run(fmt.Sprintf("recommendations/n=%d", n), func(b *testing.B) {
			benchCPU(b, h, func(i int) *http.Request {
				return jsonRequest("/v1/recommendations", worstRecommendBody(ids, genres, 1+i%610, n))
			})
		})
	}
	b.Run("query", func(b *testing.B) {
		text := strings.Repeat("a lighthearted comedy like Toy Story but set in Tokyo from the 90s ", 40)[:service.DefaultLimits().MaxQueryText]
		body, _ := json.Marshal(map[string]any{"text": text, "n": service.DefaultLimits().MaxN, "user_id": "1", "diversity": 1})
		benchCPU(b, h, func(int) *http.Request {
			return jsonRequest("/v1/query", string(body))
		})
	})
}

// jsonRequest is a POST of a JSON body to path.
func jsonRequest(path, body string) *http.Request {
	r := httptest.NewRequest("POST", path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}

// benchCPU serves next(i) per iteration, checks each answered 200 and reports the CPU time
// per request and the p99 latency.
func benchCPU(b *testing.B, h http.Handler, next func(i int) *http.Request) {
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := next(i)
		w := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(w, req)
		lat = append(lat, time.Since(start))
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %.300s", w.Code, w.Body)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	reportPercentiles(b, lat)
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
