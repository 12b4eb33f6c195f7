package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/recd/recd/describe"
	"github.com/recd/recd/service"
)

// gatedWriter is a describe.Writer that holds every call until open is closed, then
// describes like the stand-in.
type gatedWriter struct{ open chan struct{} }

func (w gatedWriter) Model() string { return "gated" }
func (w gatedWriter) Write(ctx context.Context, p describe.Prompt) (string, error) {
	select {
	case <-w.open:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	return p.Item.Title + " is an item of the test fixture, described by a gated writer.", nil
}

// TestAPI_DescribeJob: POST /v1/admin/describe starts one job at a time (409 while it runs),
// GET /v1/admin/jobs/{id} shows its progress and outcome, and the items get their
// descriptions.
func TestAPI_DescribeJob(t *testing.T) {
	w := gatedWriter{open: make(chan struct{})}
	opts := service.DefaultOptions()
	opts.Describe.Writer = w
	opts.Describe.Options = describe.DefaultOptions()
	opts.Describe.Options.RequestsPerSecond = 0
	_, h := fixture(t, opts)

	for q, field := range map[string]string{"?only_thin=maybe": "only_thin", "?fields=plot": "fields[0]"} {
		if r := do(t, h, "POST", "/v1/admin/describe"+q, "", nil); r.Status != 400 || !strings.Contains(r.Raw, `"field":"`+field+`"`) {
			t.Errorf("POST %s = %d %s, want 400 naming %s", q, r.Status, r.Raw, field)
		}
	}
	r := do(t, h, "POST", "/v1/admin/describe?fields=title,categories", "", nil)
	id, _ := r.Body["id"].(string)
	if r.Status != 200 || r.Body["state"] != "running" || id == "" {
		t.Fatalf("POST /v1/admin/describe = %d %s", r.Status, r.Raw)
	}
	if again := do(t, h, "POST", "/v1/admin/describe", "", nil); again.Status != 409 {
		t.Errorf("a second job while one runs: %d %s, want 409", again.Status, again.Raw)
	}
	close(w.open)
	var job response
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		job = do(t, h, "GET", "/v1/admin/jobs/"+id, "", nil)
		if job.Status != 200 || job.Body["state"] != "running" || time.Now().After(deadline) {
			break
		}
	}
	rep, _ := job.Body["report"].(map[string]any)
	if job.Body["state"] != "done" || rep == nil || rep["written"] != 10.0 || rep["failed"] != 0.0 {
		t.Fatalf("GET the job = %d %s, want done with the 10 items written", job.Status, job.Raw)
	}
	if p, _ := job.Body["progress"].(map[string]any); p["done"] != 10.0 || p["total"] != 10.0 {
		t.Errorf("progress %v, want 10 of 10", p)
	}
	it := do(t, h, "GET", "/v1/items/i3", "", nil)
	if g, _ := it.Body["generated"].(map[string]any); g == nil || g["model"] != "gated" || !strings.HasPrefix(g["text"].(string), "Item 3 is") {
		t.Errorf("GET i3 = %s, want its generated description", it.Raw)
	}
	// Nothing changed: a new job asks for nothing.
	r = do(t, h, "POST", "/v1/admin/describe?fields=title,categories", "", nil)
	if r.Status != 200 {
		t.Fatalf("second POST = %d %s", r.Status, r.Raw)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		job = do(t, h, "GET", "/v1/admin/jobs/"+r.Body["id"].(string), "", nil)
		if job.Body["state"] != "running" || time.Now().After(deadline) {
			break
		}
	}
	if rep, _ := job.Body["report"].(map[string]any); rep == nil || rep["fresh"] != 10.0 || rep["selected"] != 0.0 {
		t.Errorf("rerun: %s, want every item fresh", job.Raw)
	}
	if r := do(t, h, "GET", "/v1/admin/jobs/nope", "", nil); r.Status != 404 {
		t.Errorf("unknown job: %d %s, want 404", r.Status, r.Raw)
	}
}

func TestAPI_DescribeJob_NoModel(t *testing.T) {
	_, h := fixture(t, service.DefaultOptions())
	if r := do(t, h, "POST", "/v1/admin/describe", "", nil); r.Status != 422 {
		t.Errorf("no model configured: %d %s, want 422", r.Status, r.Raw)
	}
}
