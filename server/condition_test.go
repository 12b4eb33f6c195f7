package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/recd/recd"
	"github.com/recd/recd/query"
	"github.com/recd/recd/server"
	"github.com/recd/recd/service"
	"github.com/recd/recd/store/sqlite"
)

// countries are the items' "country" attributes: i0 holds Japan among other values, i1
// holds it alone, the rest do not hold it (i2 spells it in another case).
var countries = map[string]any{
	"i0": []any{"France", "Japan"}, "i1": "Japan", "i2": []any{"japan", "Korea"}, "i3": []any{"France"},
	"i5": []any{"Japan", "Italy"}, "i6": "Italy", "i7": []any{"Germany"},
}

// countryFixture is the server fixture's catalog with a country attribute on most items.
func countryFixture(t *testing.T, opts service.Options) http.Handler {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "recd.db"), sqlite.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	opts.Index = newIndex(t)
	svc, err := service.New(ctx, st, opts)
	if err != nil {
		t.Fatal(err)
	}
	var items []recd.Item
	for i := 0; i < 10; i++ {
		id, cat := fmt.Sprintf("i%d", i), "scifi"
		if i >= 5 {
			cat = "comedy"
		}
		it := recd.Item{ID: id, Title: "Item " + id, Categories: []string{cat}, Available: true}
		if c, ok := countries[id]; ok {
			it.Attributes = map[string]any{"country": c}
		}
		items = append(items, it)
	}
	if err := svc.PutItems(ctx, items); err != nil {
		t.Fatal(err)
	}
	var evs []recd.Event
	for u := 0; u < 20; u++ {
		for k := 0; k < 3; k++ {
			evs = append(evs, recd.Event{UserID: fmt.Sprintf("u%d", u), ItemID: fmt.Sprintf("i%d", (u+k)%10), Type: "click"})
		}
	}
	if _, err := svc.AddEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Train(ctx); err != nil {
		t.Fatal(err)
	}
	return server.New(svc, server.Options{MaxBodyBytes: 64 << 10})
}

// holdsJapan reports whether an item's country attribute is or contains "Japan".
func holdsJapan(id string) bool {
	switch c := countries[id].(type) {
	case string:
		return c == "Japan"
	case []any:
		return slices.Contains(c, any("Japan"))
	}
	return false
}

// checkJapan fails unless got is exactly the items holding Japan (as the only value or
// among others) minus those the user has seen.
func checkJapan(t *testing.T, got []string, seen ...string) {
	t.Helper()
	var want []string
	for i := 0; i < 10; i++ {
		if id := fmt.Sprintf("i%d", i); holdsJapan(id) && !slices.Contains(seen, id) {
			want = append(want, id)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("items %v, want exactly the items holding Japan %v", got, want)
	}
}

// TestAPI_RecommendationsFilterOnListAttribute: a filter= or POST body filter naming a list
// attribute matches an item holding the value among others, on the GET and POST routes.
func TestAPI_RecommendationsFilterOnListAttribute(t *testing.T) {
	h := countryFixture(t, service.DefaultOptions())
	seen := []string{"i4", "i5", "i6"} // u4's clicks
	for _, f := range []string{"country=Japan", "country==\"Japan\"", "country:in:Japan|Spain"} {
		t.Run("GET "+f, func(t *testing.T) {
			r := do(t, h, "GET", "/v1/users/u4/recommendations?n=10&filter="+url.QueryEscape(f), "", nil)
			checkJapan(t, ids(t, r), seen...)
		})
		t.Run("POST "+f, func(t *testing.T) {
			r := do(t, h, "POST", "/v1/recommendations", "application/json",
				map[string]any{"user_id": "u4", "n": 10, "filters": []string{f}})
			checkJapan(t, ids(t, r), seen...)
		})
	}
	t.Run("ne excludes an item holding the value among others", func(t *testing.T) {
		r := do(t, h, "GET", "/v1/users/u4/recommendations?n=10&filter="+url.QueryEscape("country!=Japan"), "", nil)
		for _, id := range ids(t, r) {
			if holdsJapan(id) {
				t.Errorf("country!=Japan returned %s (%v)", id, countries[id])
			}
		}
	})
}

// TestAPI_QueryLLMConditionOnListAttribute: POST /v1/query parsed by an OpenAI-compatible
// model (a stub answering chat completions) into a condition on a list attribute returns
// the items holding the value among others.
func TestAPI_QueryLLMConditionOnListAttribute(t *testing.T) {
	args := `{"liked_titles":[],"categories":[],"exclude_categories":[],"tags":[],"exclude_tags":[],
"keywords":[],"free_text":"","year_min":null,"year_max":null,
"conditions":[{"field":"country","op":"eq","value":"Japan"}],"diversity":null,"count":null}`
	var calls atomic.Int32
	llm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req openai.ChatCompletionRequest
		if r.URL.Path != "/v1/chat/completions" || json.NewDecoder(r.Body).Decode(&req) != nil || len(req.Tools) != 1 {
			http.Error(w, "unexpected request", http.StatusBadRequest)
			return
		}
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(openai.ChatCompletionResponse{ID: "x", Object: "chat.completion", Model: "stub",
			Choices: []openai.ChatCompletionChoice{{FinishReason: openai.FinishReasonToolCalls,
				Message: openai.ChatCompletionMessage{Role: "assistant", ToolCalls: []openai.ToolCall{{
					ID: "call_1", Type: openai.ToolTypeFunction,
					Function: openai.FunctionCall{Name: req.Tools[0].Function.Name, Arguments: args}}}}}}})
	}))
	defer llm.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	opts := service.DefaultOptions()
	opts.LLM = query.DefaultLLMOptions()
	opts.LLM.BaseURL, opts.LLM.Model, opts.LLM.HTTPClient = llm.URL+"/v1", "stub", &http.Client{Transport: tr}
	h := countryFixture(t, opts)

	r := do(t, h, "POST", "/v1/query", "application/json",
		map[string]any{"text": "something made in Japan", "n": 10, "explain": false})
	if r.Status != 200 || r.Body["parser"] != "llm" {
		t.Fatalf("status %d, parser %v (want the LLM's parse): %s", r.Status, r.Body["parser"], r.Raw)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("the model was asked %d times, want 1", n)
	}
	checkJapan(t, ids(t, r))
}
