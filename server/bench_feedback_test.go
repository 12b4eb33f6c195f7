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
// the list the user was last served (so attribution finds it, as a real click on a list
// would), then asks for that user's recommendations, which are recorded as an impression.
// "on" runs the impression writer in the background as serve does; "off" records nothing and
// attributes nothing. Compare the two with benchstat.
func BenchmarkRecommend_AfterClick(b *testing.B) {
	// Both services are built, and every user served a list, before either arm is measured,
	// so that -count runs each arm's repetitions back to back.
	arms := map[bool]*clickArm{}
	for _, on := range []bool{true, false} {
		svc, h := mlService(b, func(o *service.Options) { o.Feedback.Impressions = on })
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { svc.RunFeedback(ctx); close(done) }()
		b.Cleanup(func() { cancel(); <-done })
		a := &clickArm{h: h, last: map[string][]string{}}
		for u := 1; u <= 610; u++ {
			a.recommend(b, fmt.Sprint(u))
		}
		arms[on] = a
	}
	for _, on := range []bool{true, false} {
		name := map[bool]string{true: "impressions=on", false: "impressions=off"}[on]
		a := arms[on]
		b.Run(name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(3, 4))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				user := fmt.Sprint(1 + i%610)
				l := a.last[user]
				req := httptest.NewRequest("POST", "/v1/events", strings.NewReader(
					fmt.Sprintf(`[{"user_id":%q,"item_id":%q,"type":"click"}]`, user, l[rng.IntN(len(l))])))
				req.Header.Set("Content-Type", "application/json")
				w := httptest.NewRecorder()
				a.h.ServeHTTP(w, req)
				if w.Code != 200 {
					b.Fatalf("POST event: %d %s", w.Code, w.Body)
				}
				a.recommend(b, user)
			}
		})
	}
}

// clickArm is one arm of BenchmarkRecommend_AfterClick: the API and each user's last list.
type clickArm struct {
	h    http.Handler
	last map[string][]string
}

// recommend asks for a user's recommendations and remembers the list.
func (a *clickArm) recommend(b *testing.B, user string) {
	w := httptest.NewRecorder()
	a.h.ServeHTTP(w, httptest.NewRequest("GET", "/v1/users/"+user+"/recommendations?n=10", nil))
	var resp struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &resp); w.Code != 200 || err != nil || len(resp.Items) == 0 {
		b.Fatalf("recommendations of %s: %d %s", user, w.Code, w.Body)
	}
	a.last[user] = a.last[user][:0]
	for _, it := range resp.Items {
		a.last[user] = append(a.last[user], it.ID)
	}
}
