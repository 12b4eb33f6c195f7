package server_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/recd/recd/server"
	"github.com/recd/recd/service"
)

// What a GET answers can be written back as it is: the server-set fields (created_at,
// updated_at, seq) are accepted and ignored, any other unknown field is still rejected.

func TestAPI_ItemRoundTrip(t *testing.T) {
	_, h := fixture(t, service.DefaultOptions())
	put := map[string]any{"title": "Round", "text": "a round trip", "categories": []string{"scifi"},
		"tags": []string{"t"}, "attributes": map[string]any{"year": 1999.0}, "available": false,
		"vectors": map[string]any{"emb": []float64{0.25, 0.5}}}
	if r := do(t, h, "PUT", "/v1/items/rt-1", "application/json", put); r.Status != 200 {
		t.Fatalf("PUT = %d %s", r.Status, r.Raw)
	}
	got := do(t, h, "GET", "/v1/items/rt-1", "", nil)
	if got.Status != 200 || got.Body["created_at"] == nil {
		t.Fatalf("GET = %d %s", got.Status, got.Raw)
	}
	back := do(t, h, "PUT", "/v1/items/rt-1", "application/json", got.Raw)
	if back.Status != 200 {
		t.Fatalf("PUT of the GET body = %d %s", back.Status, back.Raw)
	}
	again := do(t, h, "GET", "/v1/items/rt-1", "", nil)
	for _, f := range []string{"id", "title", "text", "categories", "tags", "attributes", "available", "vectors", "created_at"} {
		if !reflect.DeepEqual(again.Body[f], got.Body[f]) {
			t.Errorf("%s: %v after the round trip, want %v", f, again.Body[f], got.Body[f])
		}
	}
	// A client cannot move the server's timestamps.
	forged := strings.Replace(got.Raw, `"created_at":"`, `"created_at":"1999-01-01T00:00:00Z","x":"`, 1)
	if r := do(t, h, "PUT", "/v1/items/rt-1", "application/json", forged); r.Status != 400 || !strings.Contains(r.Raw, `"field":"x"`) {
		t.Errorf("unknown field x: %d %s, want 400 naming x", r.Status, r.Raw)
	}
	ignored := do(t, h, "PUT", "/v1/items/rt-1", "application/json",
		map[string]any{"title": "Round", "created_at": "1999-01-01T00:00:00Z", "updated_at": "1999-01-01T00:00:00Z"})
	if ignored.Status != 200 || ignored.Body["created_at"] != got.Body["created_at"] {
		t.Errorf("created_at sent by a client: %d %s, want 200 keeping %v", ignored.Status, ignored.Raw, got.Body["created_at"])
	}
}

func TestAPI_UserRoundTrip(t *testing.T) {
	_, h := fixture(t, service.DefaultOptions())
	put := map[string]any{"attributes": map[string]any{"country": "JP", "age": 31.0}}
	if r := do(t, h, "PUT", "/v1/users/rt-u", "application/json", put); r.Status != 200 {
		t.Fatalf("PUT = %d %s", r.Status, r.Raw)
	}
	got := do(t, h, "GET", "/v1/users/rt-u", "", nil)
	if got.Status != 200 || got.Body["created_at"] == nil {
		t.Fatalf("GET = %d %s", got.Status, got.Raw)
	}
	if r := do(t, h, "PUT", "/v1/users/rt-u", "application/json", got.Raw); r.Status != 200 {
		t.Fatalf("PUT of the GET body = %d %s", r.Status, r.Raw)
	}
	again := do(t, h, "GET", "/v1/users/rt-u", "", nil)
	for _, f := range []string{"id", "attributes", "created_at"} {
		if !reflect.DeepEqual(again.Body[f], got.Body[f]) {
			t.Errorf("%s: %v after the round trip, want %v", f, again.Body[f], got.Body[f])
		}
	}
	if r := do(t, h, "PUT", "/v1/users/rt-u", "application/json", `{"attributes":{},"colour":"red"}`); r.Status != 400 ||
		!strings.Contains(r.Raw, `"field":"colour"`) {
		t.Errorf("unknown field colour: %d %s, want 400 naming colour", r.Status, r.Raw)
	}
}

func TestAPI_EventRoundTrip(t *testing.T) {
	_, h := fixture(t, service.DefaultOptions())
	ev := []map[string]any{{"user_id": "rt-e", "item_id": "i1", "type": "click", "timestamp": "2024-05-01T12:00:00Z", "session_id": "s1"}}
	if r := do(t, h, "POST", "/v1/events", "application/json", ev); r.Status != 200 {
		t.Fatalf("POST = %d %s", r.Status, r.Raw)
	}
	page := do(t, h, "GET", "/v1/users/rt-e/events", "", nil)
	evs, _ := page.Body["events"].([]any)
	if page.Status != 200 || len(evs) != 1 || evs[0].(map[string]any)["seq"] == nil {
		t.Fatalf("GET events = %d %s", page.Status, page.Raw)
	}
	read := evs[0].(map[string]any)
	if r := do(t, h, "POST", "/v1/events", "application/json", []any{read}); r.Status != 200 || r.Body["stored"] != 1.0 {
		t.Fatalf("POST of the event read back = %d %s", r.Status, r.Raw)
	}
	page = do(t, h, "GET", "/v1/users/rt-e/events", "", nil)
	evs, _ = page.Body["events"].([]any)
	if len(evs) != 2 {
		t.Fatalf("%d events after posting one back, want 2: %s", len(evs), page.Raw)
	}
	second := evs[0].(map[string]any)
	if second["seq"] == read["seq"] {
		second = evs[1].(map[string]any)
	}
	if second["seq"] == read["seq"] {
		t.Errorf("both events have seq %v: the server sets it", read["seq"])
	}
	for _, f := range []string{"user_id", "item_id", "type", "timestamp", "session_id"} {
		if second[f] != read[f] {
			t.Errorf("%s: %v, want %v", f, second[f], read[f])
		}
	}
	bad := `[{"user_id":"rt-e","item_id":"i1","type":"click","sequence":3}]`
	if r := do(t, h, "POST", "/v1/events", "application/json", bad); r.Status != 400 || !strings.Contains(r.Raw, "sequence") {
		t.Errorf("unknown field sequence: %d %s, want 400 naming it", r.Status, r.Raw)
	}
}

func TestOpenAPI_ServerSetFieldsAreReadOnly(t *testing.T) {
	schemas := server.OpenAPI()["components"].(map[string]any)["schemas"].(map[string]any)
	for schema, fields := range map[string][]string{"Item": {"created_at", "updated_at"},
		"User": {"created_at", "updated_at"}, "Event": {"seq"}} {
		props := schemas[schema].(map[string]any)["properties"].(map[string]any)
		for _, f := range fields {
			if ro, _ := props[f].(map[string]any)["readOnly"].(bool); !ro {
				t.Errorf("%s.%s is not readOnly", schema, f)
			}
		}
		for name, p := range props {
			if ro, _ := p.(map[string]any)["readOnly"].(bool); ro && !slices.Contains(fields, name) {
				t.Errorf("%s.%s is readOnly, but clients set it", schema, name)
			}
		}
	}
}
