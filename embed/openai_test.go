package embed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/recd/recd"
	openai "github.com/sashabaranov/go-openai"
)

// fakeVector is what the fake server returns for a text: 4 values derived from it.
func fakeVector(s string) []float32 {
	var h float32
	for _, r := range s {
		h = h*31 + float32(r%97)
		for h > 1e6 {
			h -= 1e6
		}
	}
	return []float32{float32(len(s)), h, float32(s[0]), -1}
}

type embeddingsRequest struct {
	Input          []string `json:"input"`
	Model          string   `json:"model"`
	EncodingFormat string   `json:"encoding_format"`
	Dimensions     int      `json:"dimensions"`
}

// fakeServer speaks /v1/embeddings. script, when set, may answer request number n
// (from 0) itself by returning true.
type fakeServer struct {
	t      *testing.T
	mu     sync.Mutex
	reqs   []embeddingsRequest
	script func(n int, w http.ResponseWriter, r *http.Request) bool
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	n := len(f.reqs)
	var req embeddingsRequest
	err := json.NewDecoder(r.Body).Decode(&req)
	f.reqs = append(f.reqs, req)
	f.mu.Unlock()
	switch {
	case r.Method != http.MethodPost || r.URL.Path != "/v1/embeddings":
		f.t.Errorf("request %s %s, want POST /v1/embeddings", r.Method, r.URL.Path)
	case r.Header.Get("Authorization") != "Bearer sk-test":
		f.t.Errorf("Authorization %q, want Bearer sk-test", r.Header.Get("Authorization"))
	case r.Header.Get("Content-Type") != "application/json":
		f.t.Errorf("Content-Type %q", r.Header.Get("Content-Type"))
	case err != nil:
		f.t.Errorf("request body: %v", err)
	}
	if f.script != nil && f.script(n, w, r) {
		return
	}
	res := openai.EmbeddingResponse{Object: "list", Model: openai.EmbeddingModel(req.Model)}
	for i := len(req.Input) - 1; i >= 0; i-- { // reversed: the client must order by index
		res.Data = append(res.Data, openai.Embedding{Object: "embedding", Index: i, Embedding: fakeVector(req.Input[i])})
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(res)
}

func (f *fakeServer) requests() []embeddingsRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reqs)
}

func newFake(t *testing.T, script func(n int, w http.ResponseWriter, r *http.Request) bool) (*fakeServer, OpenAIConfig) {
	f := &fakeServer{t: t, script: script}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	cfg := DefaultOpenAIConfig()
	cfg.BaseURL = srv.URL + "/v1"
	cfg.Model = "test-embed"
	cfg.APIKey = "sk-test"
	cfg.Dimensions = 4
	cfg.BatchSize = 4
	cfg.MaxRetries = 2
	cfg.InitialBackoff, cfg.MaxBackoff = time.Millisecond, 4*time.Millisecond
	cfg.RequestTimeout = 5 * time.Second
	cfg.HTTPClient = srv.Client()
	return f, cfg
}

func mustEmbedder(t *testing.T, cfg OpenAIConfig) *OpenAIEmbedder {
	t.Helper()
	e, err := NewOpenAIEmbedder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func apiError(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"message":"status %d","type":"test"}}`, status)
}

func TestOpenAIEmbedder_Embed(t *testing.T) {
	texts := make([]string, 10)
	for i := range texts {
		texts[i] = fmt.Sprintf("text number %d", i)
	}
	t.Run("request shape and batching", func(t *testing.T) {
		f, cfg := newFake(t, nil)
		got, err := mustEmbedder(t, cfg).Embed(context.Background(), texts)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range got {
			if !slices.Equal(v, fakeVector(texts[i])) {
				t.Errorf("vector %d = %v, want %v", i, v, fakeVector(texts[i]))
			}
		}
		reqs := f.requests()
		var sizes []int
		var sent []string
		for _, r := range reqs {
			sizes = append(sizes, len(r.Input))
			sent = append(sent, r.Input...)
			if r.Model != "test-embed" || r.EncodingFormat != "float" || r.Dimensions != 4 {
				t.Errorf("request %+v: want model test-embed, encoding float, dimensions 4", r)
			}
		}
		if !slices.Equal(sizes, []int{4, 4, 2}) || !slices.Equal(sent, texts) {
			t.Errorf("batches of %v sending %q, want [4 4 2] sending the texts in order", sizes, sent)
		}
	})
	t.Run("429 then success", func(t *testing.T) {
		f, cfg := newFake(t, func(n int, w http.ResponseWriter, _ *http.Request) bool {
			if n == 0 {
				apiError(w, http.StatusTooManyRequests)
				return true
			}
			return false
		})
		got, err := mustEmbedder(t, cfg).Embed(context.Background(), texts[:3])
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || len(f.requests()) != 2 {
			t.Errorf("%d vectors in %d requests, want 3 in 2", len(got), len(f.requests()))
		}
	})
	t.Run("timeout then success", func(t *testing.T) {
		release := make(chan struct{})
		defer close(release)
		f, cfg := newFake(t, func(n int, _ http.ResponseWriter, r *http.Request) bool {
			if n == 0 {
				select { // hold the first request past the client's timeout
				case <-r.Context().Done():
				case <-release:
				}
				return true
			}
			return false
		})
		cfg.RequestTimeout = 50 * time.Millisecond
		if _, err := mustEmbedder(t, cfg).Embed(context.Background(), texts[:2]); err != nil {
			t.Fatal(err)
		}
		if n := len(f.requests()); n != 2 {
			t.Errorf("%d requests, want 2", n)
		}
	})
	t.Run("500 persisting", func(t *testing.T) {
		f, cfg := newFake(t, func(_ int, w http.ResponseWriter, _ *http.Request) bool {
			w.WriteHeader(http.StatusBadGateway) // not JSON: a proxy's error page
			fmt.Fprint(w, "<html>bad gateway</html>")
			return true
		})
		_, err := mustEmbedder(t, cfg).Embed(context.Background(), texts[:2])
		var reqErr *openai.RequestError
		if !errors.As(err, &reqErr) || reqErr.HTTPStatusCode != http.StatusBadGateway {
			t.Errorf("err = %v, want a 502 RequestError", err)
		}
		if n := len(f.requests()); n != cfg.MaxRetries+1 {
			t.Errorf("%d requests, want %d", n, cfg.MaxRetries+1)
		}
	})
	t.Run("400 not retried", func(t *testing.T) {
		f, cfg := newFake(t, func(_ int, w http.ResponseWriter, _ *http.Request) bool {
			apiError(w, http.StatusBadRequest)
			return true
		})
		_, err := mustEmbedder(t, cfg).Embed(context.Background(), texts[:2])
		var apiErr *openai.APIError
		if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != http.StatusBadRequest || len(f.requests()) != 1 {
			t.Errorf("err = %v after %d requests, want a 400 APIError after 1", err, len(f.requests()))
		}
	})
	malformed := map[string]string{
		"not json":      `{"data": [`,
		"too few":       `{"data":[{"index":0,"embedding":[1,2,3,4]}]}`,
		"repeat index":  `{"data":[{"index":0,"embedding":[1,2,3,4]},{"index":0,"embedding":[1,2,3,4]}]}`,
		"index range":   `{"data":[{"index":0,"embedding":[1,2,3,4]},{"index":7,"embedding":[1,2,3,4]}]}`,
		"wrong dims":    `{"data":[{"index":0,"embedding":[1,2,3]},{"index":1,"embedding":[1,2,3]}]}`,
		"empty vector":  `{"data":[{"index":0,"embedding":[]},{"index":1,"embedding":[1,2,3,4]}]}`,
		"string values": `{"data":[{"index":0,"embedding":["a"]},{"index":1,"embedding":[1,2,3,4]}]}`,
	}
	for name, body := range malformed {
		t.Run("malformed "+name, func(t *testing.T) {
			_, cfg := newFake(t, func(_ int, w http.ResponseWriter, _ *http.Request) bool {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, body)
				return true
			})
			if got, err := mustEmbedder(t, cfg).Embed(context.Background(), texts[:2]); err == nil {
				t.Errorf("Embed = %v, want an error", got)
			}
		})
	}
	t.Run("context cancel", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		_, cfg := newFake(t, func(_ int, w http.ResponseWriter, _ *http.Request) bool {
			cancel() // the caller gives up while the server answers 429
			apiError(w, http.StatusTooManyRequests)
			return true
		})
		cfg.MaxRetries = 1000
		cfg.InitialBackoff, cfg.MaxBackoff = time.Hour, time.Hour
		if _, err := mustEmbedder(t, cfg).Embed(ctx, texts[:2]); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
	t.Run("rate limit", func(t *testing.T) {
		f, cfg := newFake(t, nil)
		cfg.RequestsPerSecond = 0.001 // one request, then the next is 1000 s away
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, err := mustEmbedder(t, cfg).Embed(ctx, texts[:6]) // two batches
		if err == nil || len(f.requests()) != 1 {
			t.Errorf("err = %v after %d requests, want the limiter to refuse the second", err, len(f.requests()))
		}
	})
	t.Run("long texts cut", func(t *testing.T) {
		f, cfg := newFake(t, nil)
		cfg.MaxInputChars = 5
		in := []string{"héllo wörld", "tiny"}
		got, err := mustEmbedder(t, cfg).Embed(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		if sent := f.requests()[0].Input; !slices.Equal(sent, []string{"héllo", "tiny"}) {
			t.Errorf("sent %q, want [héllo tiny]", sent)
		}
		if in[0] != "héllo wörld" || !slices.Equal(got[0], fakeVector("héllo")) {
			t.Errorf("caller's slice changed or wrong vector")
		}
	})
	t.Run("empty text", func(t *testing.T) {
		_, cfg := newFake(t, nil)
		if _, err := mustEmbedder(t, cfg).Embed(context.Background(), []string{"a", " "}); !errors.Is(err, recd.ErrInvalid) {
			t.Errorf("err = %v, want ErrInvalid", err)
		}
	})
}

func TestOpenAIEmbedder_EmbedItems(t *testing.T) {
	f, cfg := newFake(t, nil)
	items := movies(t)[:7]
	items = append(items, recd.Item{ID: "blank"})
	var calls [][2]int
	got, err := mustEmbedder(t, cfg).EmbedItems(context.Background(), items, 3, func(done, total int) {
		calls = append(calls, [2]int{done, total})
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 7 || got["blank"] != nil {
		t.Fatalf("%d vectors, want 7 (the item without text left out)", len(got))
	}
	for _, it := range items[:7] {
		if !slices.Equal(got[it.ID], fakeVector(ItemText(it))) {
			t.Errorf("item %s: vector of another text", it.ID)
		}
	}
	if want := [][2]int{{3, 7}, {6, 7}, {7, 7}}; !slices.Equal(calls, want) {
		t.Errorf("progress calls %v, want %v", calls, want)
	}
	if n := len(f.requests()); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
}

func TestNewOpenAIEmbedder(t *testing.T) {
	for name, bad := range map[string]func(*OpenAIConfig){
		"no url":        func(c *OpenAIConfig) { c.BaseURL = "" },
		"ftp url":       func(c *OpenAIConfig) { c.BaseURL = "ftp://x" },
		"no model":      func(c *OpenAIConfig) { c.Model = " " },
		"batch 0":       func(c *OpenAIConfig) { c.BatchSize = 0 },
		"retries -1":    func(c *OpenAIConfig) { c.MaxRetries = -1 },
		"backoff order": func(c *OpenAIConfig) { c.MaxBackoff = c.InitialBackoff - 1 },
		"rate NaN":      func(c *OpenAIConfig) { c.RequestsPerSecond = -1 },
		"no timeout":    func(c *OpenAIConfig) { c.RequestTimeout = 0 },
	} {
		t.Run(name, func(t *testing.T) {
			cfg := DefaultOpenAIConfig()
			bad(&cfg)
			if _, err := NewOpenAIEmbedder(cfg); !errors.Is(err, recd.ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
		})
	}
	if _, err := NewOpenAIEmbedder(DefaultOpenAIConfig()); err != nil {
		t.Errorf("defaults: %v", err)
	}
}

func TestOpenAIEmbedder_backoff(t *testing.T) {
	cfg := DefaultOpenAIConfig()
	cfg.InitialBackoff, cfg.MaxBackoff = 100*time.Millisecond, time.Second
	e := mustEmbedder(t, cfg)
	for attempt, hi := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		hi *= time.Millisecond
		for range 20 {
			if d := e.backoff(attempt); d < hi/2 || d > hi {
				t.Fatalf("backoff(%d) = %v, want in [%v, %v]", attempt, d, hi/2, hi)
			}
		}
	}
}
