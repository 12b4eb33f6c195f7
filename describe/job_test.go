package describe

import (
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/describe/openaitest"
)

func TestJob_Run_DescribesOnlyWhatChanged(t *testing.T) {
	srv := openaitest.New(nil)
	defer srv.Close()
	cat := newCatalog(movies(6)...)
	rep := run(t, newJob(t, cat, srv, fastOptions()))
	if rep.Written != 6 || rep.Failed != 0 || srv.Count() != 6 {
		t.Fatalf("first run: %+v with %d requests, want 6 written with 6 requests (%s)", rep, srv.Count(), failureReasons(rep))
	}
	g := cat.generated("m03")
	if g == nil || g.Model != "double-1" || !strings.HasPrefix(g.Text, "Film Number 3 (1953) is") ||
		g.SourceHash != recd.SourceHash(cat.items["m03"], recd.DefaultDescribeFields) {
		t.Fatalf("m03 generated = %+v", g)
	}
	rep = run(t, newJob(t, cat, srv, fastOptions()))
	if rep.Fresh != 6 || rep.Selected != 0 || srv.Count() != 6 {
		t.Errorf("unchanged rerun: %+v, %d requests in all, want every item fresh and no request", rep, srv.Count())
	}
	cat.setTags("m02", "heist", "slow burn")
	rep = run(t, newJob(t, cat, srv, fastOptions()))
	if rep.Selected != 1 || rep.Written != 1 || srv.Count() != 7 {
		t.Errorf("after m02's tags changed: %+v, %d requests in all, want exactly m02 asked again", rep, srv.Count())
	}
	if r := srv.Requests()[6]; !strings.Contains(r.Data(), "slow burn") {
		t.Errorf("the new request's data %s lacks the new tags", r.Data())
	}
	// Other fields make another hash: every item is due again.
	o := fastOptions()
	o.Fields = []string{"title"}
	if rep := run(t, newJob(t, cat, srv, o)); rep.Selected != 6 {
		t.Errorf("with other fields: %d selected, want 6", rep.Selected)
	}
}

func TestJob_Run_OnlyThin(t *testing.T) {
	srv := openaitest.New(nil)
	defer srv.Close()
	items := movies(4)
	items[1].Text = strings.Repeat("long owner text ", 20)
	cat := newCatalog(items...)
	o := fastOptions()
	o.OnlyThin, o.MinText = true, 100
	rep := run(t, newJob(t, cat, srv, o))
	if rep.Thick != 1 || rep.Written != 3 || cat.generated("m01") != nil {
		t.Errorf("only thin: %+v, m01 generated %v; want the item with 320 bytes of text skipped", rep, cat.generated("m01"))
	}
}

// TestJob_Run_BadAnswersAreFailures: refusals, empty, malformed, over-long answers and
// answers naming another title are recorded as failures, never stored, and asked again on
// the next run.
func TestJob_Run_BadAnswersAreFailures(t *testing.T) {
	bad := map[string]openaitest.Reply{
		"Refusal (2001)":    {Content: "I'm sorry, but I can't help with that request."},
		"Token (2002)":      {Content: "CANNOT_DESCRIBE"},
		"Empty (2003)":      {Content: "   "},
		"Broken (2004)":     {Raw: `{"choices": [`},
		"Long (2005)":       {Content: "Long (2005) is " + strings.Repeat("very ", 400) + "long."},
		"Cut (2006)":        {Content: "Cut (2006) is a film that", FinishReason: "length"},
		"Filtered (2007)":   {Content: "", FinishReason: "content_filter"},
		"Heat (1995)":       {Content: `"Casablanca" is a 1942 romance set in wartime Morocco, starring Humphrey Bogart.`},
		"JSON (2008)":       {Content: `{"description": "JSON (2008) is a film about data formats."}`},
		"Bad Status (2009)": {Status: http.StatusBadRequest},
	}
	var good atomic.Bool
	srv := openaitest.New(func(r openaitest.Request) openaitest.Reply {
		if rep, ok := bad[r.Title()]; ok && !good.Load() {
			return rep
		}
		return openaitest.Describe(r)
	})
	defer srv.Close()
	var items []recd.Item
	for title := range bad {
		items = append(items, movie(strings.Fields(title)[0], title, "Drama"))
	}
	items = append(items, movie("ok", "Fine (2010)", "Comedy"))
	cat := newCatalog(items...)
	rep := run(t, newJob(t, cat, srv, fastOptions()))
	if rep.Written != 1 || rep.Failed != len(bad) || len(rep.Failures) != len(bad) {
		t.Fatalf("report %+v, want 1 written and %d failures", rep, len(bad))
	}
	for _, it := range items[:len(bad)] {
		if g := cat.generated(it.ID); g != nil {
			t.Errorf("%s (%s): stored %q", it.ID, it.Title, g.Text)
		}
	}
	want := map[string]error{"Refusal": ErrRefused, "Token": ErrRefused, "Filtered": ErrRefused, "Empty": ErrMalformed,
		"Broken": ErrMalformed, "JSON": ErrMalformed, "Long": ErrLength, "Cut": ErrLength, "Heat": ErrOtherTitle}
	for _, f := range rep.Failures {
		if sentinel, ok := want[f.ID]; ok && !strings.Contains(f.Reason, sentinel.Error()) {
			t.Errorf("%s failed with %q, want %v", f.ID, f.Reason, sentinel)
		}
	}
	before := srv.Count()
	good.Store(true)
	rep = run(t, newJob(t, cat, srv, fastOptions()))
	if rep.Selected != len(bad) || rep.Written != len(bad) || srv.Count()-before != len(bad) {
		t.Errorf("rerun: %+v with %d requests, want exactly the %d failed items asked again", rep, srv.Count()-before, len(bad))
	}
}

// TestJob_Run_TransientFailuresAreRetried: 429 storms (with Retry-After), 5xx and timeouts
// are retried with backoff until the answer comes.
func TestJob_Run_TransientFailuresAreRetried(t *testing.T) {
	var n atomic.Int64
	srv := openaitest.New(func(r openaitest.Request) openaitest.Reply {
		switch k := n.Add(1); {
		case k <= 20:
			return openaitest.Reply{Status: http.StatusTooManyRequests, RetryAfter: "0.01"}
		case k <= 24:
			return openaitest.Reply{Status: http.StatusBadGateway}
		case k <= 26:
			return openaitest.Reply{Delay: time.Second, Content: "too late"}
		}
		return openaitest.Describe(r)
	})
	defer srv.Close()
	cat := newCatalog(movies(5)...)
	o := fastOptions()
	o.MaxRetries, o.Timeout, o.Concurrency = 40, 100*time.Millisecond, 2
	rep := run(t, newJob(t, cat, srv, o))
	if rep.Written != 5 || rep.Failed != 0 {
		t.Fatalf("report %+v, want all 5 written (%s)", rep, failureReasons(rep))
	}
	if rep.Requests != srv.Count() || srv.Count() != 5+26 {
		t.Errorf("%d requests (report %d), want 5 answers after 26 transient failures", srv.Count(), rep.Requests)
	}
}

func TestJob_Run_GivesUpAfterMaxRetries(t *testing.T) {
	srv := openaitest.New(func(openaitest.Request) openaitest.Reply {
		return openaitest.Reply{Status: http.StatusServiceUnavailable}
	})
	defer srv.Close()
	cat := newCatalog(movies(3)...)
	o := fastOptions()
	o.MaxRetries = 2
	rep := run(t, newJob(t, cat, srv, o))
	if rep.Failed != 3 || srv.Count() != 9 || !strings.Contains(failureReasons(rep), "gave up after 3 tries") {
		t.Errorf("report %+v with %d requests, want 3 failures after 3 tries each", rep, srv.Count())
	}
}

// TestJob_Run_RetryAfterPausesEveryWorker: after a 429 with Retry-After, no request (from
// any worker) arrives before the pause is over.
func TestJob_Run_RetryAfterPausesEveryWorker(t *testing.T) {
	var first atomic.Int64
	var early atomic.Int64
	srv := openaitest.New(func(r openaitest.Request) openaitest.Reply {
		if r.N == 1 {
			first.Store(time.Now().UnixNano())
			return openaitest.Reply{Status: http.StatusTooManyRequests, RetryAfter: "1"}
		}
		if time.Since(time.Unix(0, first.Load())) < 900*time.Millisecond {
			early.Add(1)
		}
		return openaitest.Describe(r)
	})
	defer srv.Close()
	cat := newCatalog(movies(4)...)
	o := fastOptions()
	o.Concurrency, o.RequestsPerSecond = 1, 0
	rep := run(t, newJob(t, cat, srv, o))
	if rep.Written != 4 || early.Load() != 0 {
		t.Errorf("report %+v, %d requests within the Retry-After pause, want 4 written and none", rep, early.Load())
	}
}

func TestJob_Run_AuthFailureStops(t *testing.T) {
	srv := openaitest.New(func(openaitest.Request) openaitest.Reply {
		return openaitest.Reply{Status: http.StatusUnauthorized}
	})
	defer srv.Close()
	o := fastOptions()
	o.Concurrency = 1
	_, err := newJob(t, newCatalog(movies(20)...), srv, o).Run(t.Context())
	if !errors.Is(err, ErrAuth) || srv.Count() > 2 {
		t.Errorf("Run = %v after %d requests, want ErrAuth at once", err, srv.Count())
	}
}

func TestJob_Plan_AsksNothing(t *testing.T) {
	srv := openaitest.New(nil)
	defer srv.Close()
	cat := newCatalog(movies(10)...)
	j := newJob(t, cat, srv, fastOptions())
	p, err := j.Plan(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	pr := BuildPrompt(cat.items["m00"], j.Fields(), j.opts.MaxChars)
	lo := int64(10 * (len(pr.System) + len(pr.User)) / 4)
	if p.Selected != 10 || srv.Count() != 0 || p.PromptTokens < lo || p.PromptTokens > 2*lo || p.OutputTokens != 10*200 {
		t.Errorf("plan %+v with %d requests; want 10 selected, no request, about %d prompt tokens", p, srv.Count(), lo)
	}
	if got := p.Cost(1, 2); got <= 0 {
		t.Errorf("cost %v", got)
	}
}
