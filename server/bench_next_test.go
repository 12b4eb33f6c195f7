package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/recd/recd/service"
)

// BenchmarkNextPage is a next page of n = max_n on the bundled MovieLens data, end to end
// through the handler: the second page of a list, and its last (service.MaxPages-th), whose
// earlier pages showed (MaxPages-1) × max_n items. Each iteration builds its list's earlier
// pages untimed; cpu-ms/op is the process's CPU time of the timed request alone.
func BenchmarkNextPage(b *testing.B) {
	h := mlHandler(b)
	n := service.DefaultLimits().MaxN
	serve := func(path string) map[string]any {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		if w.Code != http.StatusOK {
			b.Fatalf("GET %s: %d %.300s", path, w.Code, w.Body)
		}
		var out map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			b.Fatal(err)
		}
		return out
	}
	for _, page := range []int{2, service.MaxPages} {
		b.Run(fmt.Sprintf("page=%d/n=%d", page, n), func(b *testing.B) {
			b.ReportAllocs()
			var cpu time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				id := serve(fmt.Sprintf("/v1/users/%d/recommendations?n=%d", 1+i%610, n))["recommendation_id"].(string)
				next := fmt.Sprintf("/v1/recommendations/%s/next?n=%d", id, n)
				for p := 2; p < page; p++ {
					serve(next)
				}
				b.StartTimer()
				c0 := cpuTime()
				serve(next)
				cpu += cpuTime() - c0
			}
			b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		})
	}
}
