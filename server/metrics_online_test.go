package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/recd/recd/service"
)

// GET /v1/metrics/online counts what the API served and the clicks and purchases that cite
// it, per user group, with the largest gap.
func TestAPI_OnlineMetrics(t *testing.T) {
	svc, h := fixture(t, service.DefaultOptions())
	for u, country := range map[string]string{"u0": "fr", "u1": "de"} {
		if r := do(t, h, "PUT", "/v1/users/"+u, "application/json", map[string]any{"attributes": map[string]any{"country": country}}); r.Status != 200 {
			t.Fatalf("PUT user = %d %s", r.Status, r.Raw)
		}
	}
	serve := func(user string) (string, []string) {
		r := do(t, h, "GET", "/v1/users/"+user+"/recommendations?n=3", "", nil)
		return r.Body["recommendation_id"].(string), ids(t, r)
	}
	id0, items0 := serve("u0")
	id1, items1 := serve("u1")
	events := []map[string]any{
		{"user_id": "u0", "item_id": items0[1], "type": "click", "recommendation_id": id0},
		{"user_id": "u1", "item_id": items1[0], "type": "click", "recommendation_id": id1},
		{"user_id": "u1", "item_id": items1[0], "type": "purchase", "recommendation_id": id1},
	}
	if r := do(t, h, "POST", "/v1/events", "application/json", events); r.Status != 200 {
		t.Fatalf("POST events = %d %s", r.Status, r.Raw)
	}
	if err := svc.FlushImpressions(context.Background()); err != nil {
		t.Fatal(err)
	}

	r := do(t, h, "GET", "/v1/metrics/online?k=3", "", nil)
	groups, _ := r.Body["groups"].([]any)
	if r.Status != 200 || len(groups) != 1 {
		t.Fatalf("GET /v1/metrics/online = %d %s, want one group", r.Status, r.Raw)
	}
	all := groups[0].(map[string]any)
	if all["group"] != "all" || all["impressions"] != 2.0 || all["clicks"] != 2.0 || all["conversions"] != 1.0 || all["users"] != 2.0 {
		t.Errorf("all = %v; want 2 lists, 2 clicks, 1 conversion, 2 users", all)
	}

	r = do(t, h, "GET", "/v1/metrics/online?k=3&group_by=user.country", "", nil)
	byKey := map[string]map[string]any{}
	for _, g := range r.Body["groups"].([]any) {
		g := g.(map[string]any)
		byKey[g["group"].(string)] = g
	}
	fr, de := byKey["fr"], byKey["de"]
	if fr == nil || de == nil {
		t.Fatalf("groups %s, want fr and de", r.Raw)
	}
	if fr["mrr"] != 0.5 || fmt.Sprint(fr["position_ctr"]) != "[0 1 0]" || fr["conversion_rate"] != 0.0 {
		t.Errorf("fr = %v; want u0's click at position 1 (mrr 0.5), no conversion", fr)
	}
	if de["mrr"] != 1.0 || fmt.Sprint(de["position_ctr"]) != "[1 0 0]" || de["conversion_rate"] != 1.0 {
		t.Errorf("de = %v; want u1's click and purchase at position 0", de)
	}
	if r.Body["truncated"] != false {
		t.Errorf("truncated = %v", r.Body["truncated"])
	}
}

// Bad parameters are refused with 400 naming the parameter.
func TestAPI_OnlineMetrics_BadInput(t *testing.T) {
	_, h := fixture(t, service.DefaultOptions())
	now := time.Now().UTC()
	for _, tc := range []struct{ query, field string }{
		{"group_by=colour", "group_by"},
		{"group_by=user.", "group_by"},
		{"group_by=user." + strings.Repeat("a", 129), "group_by"},
		{"group_by=variant&group_by=route", "group_by"},
		{"from=" + now.Format(time.RFC3339) + "&to=" + now.Add(-time.Hour).Format(time.RFC3339), "from"},
		{"from=100&to=100", "from"},
		{"from=" + now.Add(-91*24*time.Hour).Format(time.RFC3339), "from"},
		{"from=yesterday", "from"},
		{"to=-5", "to"},
		{"to=99999999999999", "to"},
		{"k=0", "k"},
		{"k=101", "k"},
		{"experiment=" + strings.Repeat("e", 300), "experiment"},
	} {
		r := do(t, h, "GET", "/v1/metrics/online?"+tc.query, "", nil)
		e, _ := r.Body["error"].(map[string]any)
		if r.Status != 400 || e == nil || e["field"] != tc.field {
			t.Errorf("?%s = %d %s, want 400 naming %s", tc.query, r.Status, r.Raw, tc.field)
		}
	}
	// Unix seconds and RFC 3339 both work, and a 90-day window is allowed.
	for _, q := range []string{"from=1700000000&to=1700003600", "from=" + now.Add(-90*24*time.Hour).Format(time.RFC3339Nano) + "&to=" + now.Format(time.RFC3339Nano)} {
		if r := do(t, h, "GET", "/v1/metrics/online?"+q, "", nil); r.Status != 200 {
			t.Errorf("?%s = %d %s, want 200", q, r.Status, r.Raw)
		}
	}
}
