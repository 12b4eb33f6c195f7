package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/recd/recd"
)

// fakeEmbeddings answers the OpenAI embeddings API with a vector made from each text's length.
func fakeEmbeddings(t *testing.T) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/embeddings" {
			http.NotFound(w, r)
			return
		}
		var req struct {
			Input []string `json:"input"`
			Model string   `json:"model"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Model != "fake-embed" {
			http.Error(w, "bad request", 400)
			return
		}
		type datum struct {
			Object    string    `json:"object"`
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		}
		var out struct {
			Object string  `json:"object"`
			Data   []datum `json:"data"`
			Model  string  `json:"model"`
		}
		out.Object, out.Model = "list", req.Model
		for i, s := range req.Input {
			out.Data = append(out.Data, datum{"embedding", i, []float32{float32(len(s)), 1, float32(i + 1)}})
		}
		json.NewEncoder(w).Encode(out)
	}))
}

func TestEmbed_FillsASpaceAndKeepsTheItems(t *testing.T) {
	srv := fakeEmbeddings(t)
	defer srv.Close()
	dir := t.TempDir()
	ctx := context.Background()
	cfg := defaultConfig()
	cfg.DataDir = dir
	svc, st, err := openService(ctx, &cfg, newLogger(&cfg, &bytes.Buffer{}))
	if err != nil {
		t.Fatal(err)
	}
	items := []recd.Item{
		{ID: "a", Title: "Alpha", Categories: []string{"x"}, Available: true, Vectors: map[string][]float32{"other": {1, 2}}},
		{ID: "b", Title: "Beta gamma", Available: true},
		{ID: "c", Available: true}, // no text: skipped
	}
	if err := svc.PutItems(ctx, items); err != nil {
		t.Fatal(err)
	}
	st.Close()
	var out, errb bytes.Buffer
	t.Setenv("RECD_EMBED_API_KEY", "k")
	code := run(ctx, []string{"embed", "--data-dir", dir, "--space", "text", "--base-url", srv.URL + "/v1",
		"--model", "fake-embed", "--no-progress"}, &out, &errb)
	if code != 0 {
		t.Fatalf("recd embed exited %d: %s %s", code, out.String(), errb.String())
	}
	svc, st, err = openService(ctx, &cfg, newLogger(&cfg, &bytes.Buffer{}))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a, err := svc.GetItem(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != "Alpha" || len(a.Categories) != 1 || len(a.Vectors["other"]) != 2 || len(a.Vectors["text"]) != 3 {
		t.Errorf("item a after embed = %+v", a)
	}
	if c, _ := svc.GetItem(ctx, "c"); c.Vectors["text"] != nil {
		t.Errorf("item without text got a vector: %+v", c)
	}
	sp, _ := svc.Spaces(ctx)
	found := false
	for _, s := range sp {
		if s.Name == "text" && s.Dim == 3 && s.Count == 2 {
			found = true
		}
	}
	if !found {
		t.Errorf("spaces = %+v, want text with dim 3 and 2 vectors", sp)
	}
}
