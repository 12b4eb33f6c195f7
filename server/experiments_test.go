package server_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/recd/recd/service"
)

// expBody is a PUT /v1/experiments body running now, with variants as given.
func expBody(variants string, extra string) string {
	now := time.Now().UTC()
	return fmt.Sprintf(`{"start":%q,"end":%q,"variants":%s%s}`, now.Add(-time.Hour).Format(time.RFC3339),
		now.Add(time.Hour).Format(time.RFC3339), variants, extra)
}

const twoVariants = `[{"name":"control","weight":50},{"name":"diverse","weight":50,"overrides":{"diversity":0.5}}]`

func TestAPI_Experiments_Lifecycle(t *testing.T) {
	_, h := fixture(t, service.DefaultOptions())
	r := do(t, h, "PUT", "/v1/experiments/e1", "application/json", expBody(twoVariants, ""))
	if r.Status != http.StatusCreated || r.Body["status"] != "running" || r.Body["id"] != "e1" ||
		r.Body["design"] != "ab" || r.Body["unit"] != "user" {
		t.Fatalf("PUT new = %d %s, want 201 with a running ab experiment on users", r.Status, r.Raw)
	}
	again := do(t, h, "PUT", "/v1/experiments/e1", "application/json", r.Raw) // a read written back
	if again.Status != http.StatusOK || again.Body["created"] != r.Body["created"] {
		t.Fatalf("PUT replace = %d %s, want 200 keeping created %v", again.Status, again.Raw, r.Body["created"])
	}
	list := do(t, h, "GET", "/v1/experiments", "", nil)
	if xs, _ := list.Body["experiments"].([]any); list.Status != 200 || len(xs) != 1 {
		t.Fatalf("GET list = %d %s", list.Status, list.Raw)
	}
	rec := do(t, h, "GET", "/v1/users/u1/recommendations?n=3", "", nil)
	if rec.Body["experiment"] != "e1" || (rec.Body["variant"] != "control" && rec.Body["variant"] != "diverse") {
		t.Errorf("recommendations under a running experiment = %s, want experiment e1 and its variant", rec.Raw)
	}
	rep := do(t, h, "GET", "/v1/experiments/e1/report", "", nil)
	if vs, _ := rep.Body["variants"].([]any); rep.Status != 200 || rep.Body["primary_metric"] != "per_user_ctr" || len(vs) != 2 ||
		rep.Body["conclusive"] != false {
		t.Errorf("report = %d %s, want two variants, per_user_ctr and not conclusive", rep.Status, rep.Raw)
	}
	if d := do(t, h, "DELETE", "/v1/experiments/e1", "", nil); d.Status != http.StatusNoContent {
		t.Fatalf("DELETE = %d %s", d.Status, d.Raw)
	}
	for _, path := range []string{"/v1/experiments/e1", "/v1/experiments/e1/report"} {
		if g := do(t, h, "GET", path, "", nil); g.Status != http.StatusNotFound {
			t.Errorf("GET %s after delete = %d %s, want 404", path, g.Status, g.Raw)
		}
	}
	if d := do(t, h, "DELETE", "/v1/experiments/e1", "", nil); d.Status != http.StatusNotFound {
		t.Errorf("second DELETE = %d, want 404", d.Status)
	}
}

// Every invalid definition is a 400 naming the field, and nothing is stored.
func TestAPI_Experiments_RefusedNamingTheField(t *testing.T) {
	_, h := fixture(t, service.DefaultOptions())
	bad := []struct{ name, body, field string }{
		{"weights sum to zero", expBody(`[{"name":"a","weight":0},{"name":"b","weight":0}]`, ""), "variants"},
		{"negative weight", expBody(`[{"name":"a","weight":1},{"name":"b","weight":-1}]`, ""), "variants[1].weight"},
		{"unknown override", expBody(`[{"name":"a","weight":1},{"name":"b","weight":1,"overrides":{"foo":1}}]`, ""), "variants[1].overrides.foo"},
		{"override out of range", expBody(`[{"name":"a","weight":1},{"name":"b","weight":1,"overrides":{"diversity":3}}]`, ""), "variants[1].overrides.diversity"},
		{"unsaved model version", expBody(`[{"name":"a","weight":1},{"name":"b","weight":1,"overrides":{"model_version":"v2"}}]`, ""), "variants[1].overrides.model_version"},
		{"ranker not a boolean", expBody(`[{"name":"a","weight":1},{"name":"b","weight":1,"overrides":{"ranker":"off"}}]`, ""), "variants[1].overrides.ranker"},
		{"one variant", expBody(`[{"name":"a","weight":1}]`, ""), "variants"},
		{"duplicate names", expBody(`[{"name":"a","weight":1},{"name":"a","weight":1}]`, ""), "variants[1].name"},
		{"interleaving of three", expBody(`[{"name":"a","weight":1},{"name":"b","weight":1},{"name":"c","weight":1}]`, `,"design":"interleaving"`), "variants"},
		{"bad unit", expBody(twoVariants, `,"unit":"device"`), "unit"},
		{"end before start", `{"start":"2026-02-01T00:00:00Z","end":"2026-01-01T00:00:00Z","variants":` + twoVariants + `}`, "end"},
		{"other id", expBody(twoVariants, `,"id":"e2"`), "id"},
		{"unknown field", expBody(twoVariants, `,"colour":"red"`), "colour"},
	}
	for _, c := range bad {
		r := do(t, h, "PUT", "/v1/experiments/e1", "application/json", c.body)
		errBody, _ := r.Body["error"].(map[string]any)
		if r.Status != http.StatusBadRequest || errBody["field"] != c.field {
			t.Errorf("%s: %d %s, want 400 naming %s", c.name, r.Status, r.Raw, c.field)
		}
	}
	if l := do(t, h, "GET", "/v1/experiments", "", nil); l.Raw != `{"experiments":[]}` {
		t.Fatalf("after refused writes the list is %s, want empty", l.Raw)
	}
	if r := do(t, h, "PUT", "/v1/experiments/e1", "application/json", expBody(twoVariants, "")); r.Status != http.StatusCreated {
		t.Fatalf("PUT = %d %s", r.Status, r.Raw)
	}
	r := do(t, h, "PUT", "/v1/experiments/e2", "application/json", expBody(twoVariants, `,"unit":"session"`))
	if errBody, _ := r.Body["error"].(map[string]any); r.Status != http.StatusBadRequest || errBody["field"] != "start" {
		t.Errorf("overlapping experiment: %d %s, want 400 naming start", r.Status, r.Raw)
	}
	if g := do(t, h, "GET", "/v1/experiments/e2", "", nil); g.Status != http.StatusNotFound {
		t.Errorf("the refused overlapping experiment was stored: %d %s", g.Status, g.Raw)
	}
}

// A variant pinned to a saved version (as GET /v1/admin/models lists it) and with the ranker
// off is stored, and its answers name the version and the scorer that served them.
func TestAPI_Experiments_PinnedVersionAndRankerOff(t *testing.T) {
	_, h := fixture(t, service.DefaultOptions())
	models := do(t, h, "GET", "/v1/admin/models", "", nil)
	ms, _ := models.Body["models"].([]any)
	if models.Status != 200 || len(ms) == 0 {
		t.Fatalf("GET /v1/admin/models = %d %s", models.Status, models.Raw)
	}
	version, _ := ms[0].(map[string]any)["version"].(string)
	variants := fmt.Sprintf(`[{"name":"a","weight":0},{"name":"b","weight":1,"overrides":{"model_version":%q,"ranker":false}}]`, version)
	if r := do(t, h, "PUT", "/v1/experiments/pin", "application/json", expBody(variants, "")); r.Status != http.StatusCreated {
		t.Fatalf("PUT pinned = %d %s", r.Status, r.Raw)
	}
	rec := do(t, h, "GET", "/v1/users/u1/recommendations?n=3", "", nil)
	if rec.Body["variant"] != "b" || rec.Body["model_version"] != version || rec.Body["scorer"] != "blend" ||
		rec.Body["model_fallback"] != nil {
		t.Errorf("recommendations = %s, want variant b served by %s through the blend", rec.Raw, version)
	}
}
