package server_test

import (
	"strings"
	"testing"

	"github.com/recd/recd/service"
)

// TestAPI_GeneratedText: a generated description is set through its own route, kept apart
// from text, kept by a write of the item and marked stale when the fields it was written
// from change; bad input is a 400 naming the field and changes nothing.
func TestAPI_GeneratedText(t *testing.T) {
	_, h := fixture(t, service.DefaultOptions())
	put := map[string]any{"title": "Heat (1995)", "text": "owner's text", "categories": []string{"Crime"}}
	if r := do(t, h, "PUT", "/v1/items/g-1", "application/json", put); r.Status != 200 {
		t.Fatalf("PUT item = %d %s", r.Status, r.Raw)
	}
	gen := map[string]any{"text": "A heist thriller.", "model": "stand-in", "fields": []string{"title", "categories"}}
	r := do(t, h, "PUT", "/v1/items/g-1/generated_text", "application/json", gen)
	if r.Status != 200 {
		t.Fatalf("PUT generated_text = %d %s", r.Status, r.Raw)
	}
	generated := func(what string, wantText string, wantStale bool) response {
		t.Helper()
		got := do(t, h, "GET", "/v1/items/g-1", "", nil)
		g, _ := got.Body["generated"].(map[string]any)
		if got.Status != 200 || g == nil || g["text"] != wantText || g["model"] != "stand-in" || g["stale"] != wantStale {
			t.Fatalf("%s: GET = %d %s, want generated text %q, stale %v", what, got.Status, got.Raw, wantText, wantStale)
		}
		return got
	}
	got := generated("after the PUT", "A heist thriller.", false)
	if got.Body["text"] != "owner's text" {
		t.Errorf("text = %v, want the owner's", got.Body["text"])
	}
	// The GET body written back (generated included) is accepted, and the generated text a
	// client sends is ignored.
	if r := do(t, h, "PUT", "/v1/items/g-1", "application/json",
		strings.Replace(got.Raw, "A heist thriller.", "forged", 1)); r.Status != 200 {
		t.Fatalf("PUT of the GET body = %d %s", r.Status, r.Raw)
	}
	generated("after the round trip", "A heist thriller.", false)
	// A field the description was not written from: still fresh; the title: stale.
	put["text"] = "the owner's new text"
	do(t, h, "PUT", "/v1/items/g-1", "application/json", put)
	generated("after a text change", "A heist thriller.", false)
	put["title"] = "Heat 2 (2026)"
	do(t, h, "PUT", "/v1/items/g-1", "application/json", put)
	generated("after a title change", "A heist thriller.", true)

	bad := []struct {
		body  string
		field string
	}{
		{`{"text":"","model":"m"}`, "text"},
		{`{"text":"` + strings.Repeat("x", service.MaxGeneratedText+1) + `","model":"m"}`, "text"},
		{`{"text":"ok","model":""}`, "model"},
		{`{"text":"ok","model":"m","fields":["plot"]}`, "fields[0]"},
		{`{"text":"ok","model":"m","source_hash":"abc"}`, "source_hash"},
		{`{"text":"ok","model":"m","extra":1}`, "extra"},
	}
	for _, b := range bad {
		r := do(t, h, "PUT", "/v1/items/g-1/generated_text", "application/json", b.body)
		if r.Status != 400 || !strings.Contains(r.Raw, `"field":"`+b.field+`"`) {
			t.Errorf("%.60s: %d %s, want 400 naming %s", b.body, r.Status, r.Raw, b.field)
		}
	}
	generated("after the refused writes", "A heist thriller.", true)
	if r := do(t, h, "PUT", "/v1/items/nope/generated_text", "application/json", gen); r.Status != 404 {
		t.Errorf("unknown item: %d %s, want 404", r.Status, r.Raw)
	}
}
