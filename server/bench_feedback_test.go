package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/recd/recd/service"
)

// BenchmarkRecommend_AfterClick is what impressions and attribution cost serving: each
// iteration posts one click for one of the bundled data's 610 users (in turn), on an item of
// the list the user was last served (so attribution finds it, as a real click would), then
// asks for that user's recommendations, which are recorded as an impression. "on" runs the
// impression writer in the background as serve does; "off" records nothing and attributes
// nothing. Compare the two with benchstat.
func BenchmarkRecommend_AfterClick(b *testing.B) {
	// Both services are built before either is measured, so that -count runs each arm's
	// repetitions back to back, close in time.
	handlers := map[bool]http.Handler{}
	for _, on := range []bool{true, false} {
		svc, h := mlService(b, func(o *service.Options) { o.Feedback.Impressions = on })
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { svc.RunFeedback(ctx); close(done) }()
		b.Cleanup(func() { cancel(); <-done })
		handlers[on] = h
	}
	for _, on := range []bool{true, false} {
		name := map[bool]string{true: "impressions=on", false: "impressions=off"}[on]
		h := handlers[on]
		b.Run(name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(3, 4))
			last := map[string][]string{}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				user := fmt.Sprint(1 + i%610)
				item := "1"
				if l := last[user]; len(l) > 0 {
					item = l[rng.IntN(len(l))]
				}
				req := httptest.NewRequest("POST", "/v1/events",
					strings.NewReader(fmt.Sprintf(`[{"user_id":%q,"item_id":%q,"type":"click"}]`, user, item)))
				req.Header.Set("Content-Type", "application/json")
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != 200 {
					b.Fatalf("POST event: %d %s", w.Code, w.Body)
				}
				w = httptest.NewRecorder()
				h.ServeHTTP(w, httptest.NewRequest("GET", "/v1/users/"+user+"/recommendations?n=10", nil))
				var resp struct {
					Items []struct {
						ID string `json:"id"`
					} `json:"items"`
				}
				if err := json.Unmarshal(w.Body.Bytes(), &resp); w.Code != 200 || err != nil {
					b.Fatalf("recommendations: %d %s", w.Code, w.Body)
				}
				last[user] = last[user][:0]
				for _, it := range resp.Items {
					last[user] = append(last[user], it.ID)
				}
			}
		})
	}
}
