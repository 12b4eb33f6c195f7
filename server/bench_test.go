package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/recd/recd/dataset"
	"github.com/recd/recd/server"
	"github.com/recd/recd/service"
	"github.com/recd/recd/store/sqlite"
)

// BenchmarkRecommend_Handler is one recommendation request end to end through the HTTP
// handler (routing, validation, live history, item-kNN scoring, filters, JSON) on the bundled
// MovieLens data, cycling over its 610 users.
func BenchmarkRecommend_Handler(b *testing.B) {
	b.Run("blend", func(b *testing.B) { benchRecommend(b, mlHandler(b)) })
	// The foundation's pipeline: item-kNN from the live history (popularity fills up), the
	// other sources weighted 0 and so not computed.
	b.Run("itemknn", func(b *testing.B) {
		benchRecommend(b, mlHandler(b, func(o *service.Options) {
			o.Rank.Weights = map[string]float64{"itemknn": 1, "popular": 0.02, "ease": 0, "cf": 0, "content": 0}
		}))
	})
}

// recsRequest cycles over the bundled data's 610 users.
func recsRequest(i int) *http.Request {
	return httptest.NewRequest("GET", fmt.Sprintf("/v1/users/%d/recommendations?n=10", 1+i%610), nil)
}

func benchRecommend(b *testing.B, h http.Handler) { benchRequests(b, h, recsRequest) }

// benchRequests serves the i-th request of next for each iteration, checks it answered 200
// and reports p50 and p99 latency.
func benchRequests(b *testing.B, h http.Handler, next func(i int) *http.Request) {
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := next(i)
		w := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(w, req)
		lat = append(lat, time.Since(start))
		if w.Code != 200 {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
	b.StopTimer()
	reportPercentiles(b, lat)
}

// BenchmarkRecommend_HandlerCached repeats requests whose answers are in the response cache
// (no new event since): what a client polling the same users sees.
func BenchmarkRecommend_HandlerCached(b *testing.B) {
	h := mlHandler(b, func(o *service.Options) { o.CacheSize = 100000 })
	for u := 0; u < 610; u++ {
		h.ServeHTTP(httptest.NewRecorder(), recsRequest(u))
	}
	benchRequests(b, h, recsRequest)
}

// BenchmarkQuery_Handler is one natural-language request end to end through the handler
// (built-in parser, retrieval, filters, ranking, explanation) on the bundled data.
func BenchmarkQuery_Handler(b *testing.B) {
	h := mlHandler(b)
	texts := []string{"lighthearted movie like Amelie but set in Tokyo", "90s horror but not slasher",
		"something for kids about dinosaurs", "comedies from the 80s", "something like Toy Story"}
	benchRequests(b, h, func(i int) *http.Request {
		body := fmt.Sprintf(`{"text":%q,"n":10}`, texts[i%len(texts)])
		req := httptest.NewRequest("POST", "/v1/query", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		return req
	})
}

// mlHandler is the API over a service trained on the bundled MovieLens data.
func mlHandler(b *testing.B, tweak ...func(*service.Options)) http.Handler {
	_, h := mlService(b, tweak...)
	return h
}

// mlService is a service trained on the bundled MovieLens data and the API over it.
func mlService(b *testing.B, tweak ...func(*service.Options)) (*service.Service, http.Handler) {
	st, err := sqlite.Open(filepath.Join(b.TempDir(), "recd.db"), sqlite.DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	ctx := context.Background()
	o := service.DefaultOptions()
	o.Index = newIndex(b)
	o.CacheSize = 0 // measure the pipeline, not the response cache
	for _, f := range tweak {
		f(&o)
	}
	svc, err := service.New(ctx, st, o)
	if err != nil {
		b.Fatal(err)
	}
	data, err := dataset.ReadMovieLens("../examples/ml-latest-small")
	if err != nil {
		b.Fatal(err)
	}
	if err := svc.PutItems(ctx, data.Items); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < len(data.Events); i += 10000 {
		if _, err := svc.AddEvents(ctx, data.Events[i:min(i+10000, len(data.Events))]); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := svc.Train(ctx); err != nil {
		b.Fatal(err)
	}
	return svc, server.New(svc, server.DefaultOptions())
}

// reportPercentiles adds p50 and p99 latency to a benchmark's output.
func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
