package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// fakeAPI answers the two API routes the page calls, plus item look-ups, with small fixed
// JSON in the documented response shapes. It is a fake API for the page test only; the
// server package's own tests cover the real routes.
type fakeAPI struct {
	mu      sync.Mutex
	queries []map[string]any // decoded POST /v1/query bodies
	recs    []*url.URL       // GET /v1/users/{id}/recommendations URLs
	items   []string         // GET /v1/items/{id} ids
}

func (f *fakeAPI) routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/query", func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, `{"error":{"message":"bad json"}}`, http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.queries = append(f.queries, body)
		f.mu.Unlock()
		writeJSON(w, map[string]any{
			"query":  map[string]any{"categories": []string{"Horror"}, "exclude_tags": []string{"slasher"}, "year_min": 1990, "year_max": 1999},
			"parser": "builtin",
			"items": []map[string]any{
				{"id": "2", "score": 0.91, "title": "Cube (1997) <img src=x onerror=window.__pwned=1>", "categories": []string{"Horror", "Sci-Fi"},
					"reasons": []map[string]any{{"type": "query", "text": "Matches 'horror'"}, {"type": "popular_in", "category": "Horror"}}},
				{"id": "3", "score": 0.72, "title": "The Faculty (1998)",
					"reasons": []map[string]any{{"type": "similar_to", "items": []string{"2"}}}},
			},
			"explanation": "You asked for Horror titles from 1990 to 1999 without slasher.",
		})
	})
	mux.HandleFunc("GET /v1/users/{id}/recommendations", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.recs = append(f.recs, r.URL)
		f.mu.Unlock()
		writeJSON(w, map[string]any{
			"items": []map[string]any{
				{"id": "10", "score": 0.88, "title": "Amelie (2001)", "reasons": []map[string]any{{"type": "collaborative"},
					{"type": "similar_to", "items": []string{"1240"}, "text": "Because you liked The Terminator (1984)"}}},
				{"id": "11", "score": 0.61, "title": "Chungking Express (1994)", "reasons": []map[string]any{{"type": "long_tail"}}},
			},
			"strategy": "hybrid", "model_version": "v7",
		})
	})
	mux.HandleFunc("GET /v1/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != "42" {
			http.Error(w, `{"error":{"code":"not_found","message":"no such user"}}`, http.StatusNotFound)
			return
		}
		writeJSON(w, map[string]any{"id": "42", "attributes": map[string]any{}})
	})
	mux.HandleFunc("GET /v1/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		f.mu.Lock()
		f.items = append(f.items, id)
		f.mu.Unlock()
		cats := map[string][]string{"3": {"Horror", "Sci-Fi"}, "10": {"Comedy", "Romance"}, "11": {"Drama", "Romance"}}[id]
		if cats == nil {
			http.NotFound(w, r)
			return
		}
		writeJSON(w, map[string]any{"id": id, "categories": cats})
	})
}

func (f *fakeAPI) snapshot() ([]map[string]any, []*url.URL, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.queries), slices.Clone(f.recs), slices.Clone(f.items)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// chromiumPath finds Debian's chromium or another Chrome binary.
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// artifactDir is $RECD_TEST_ARTIFACTS when set, else the test's artifact directory.
func artifactDir(t *testing.T) string {
	if d := os.Getenv("RECD_TEST_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatalf("artifacts dir: %v", err)
		}
		return d
	}
	return t.ArtifactDir()
}

func TestPage_browser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	chrome := chromiumPath()
	if chrome == "" {
		t.Skip("no chromium binary found (apt-get install -y chromium); skipping the page test")
	}
	api := &fakeAPI{}
	mux := http.NewServeMux()
	api.routes(mux)
	mux.Handle("/", Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chrome),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1100, 1000),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	defer cancelBrowser()

	do := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, actions...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	text := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("evaluate %s: %v", js, err)
		}
		return s
	}

	// Search.
	do("open page", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible("#q"))
	do("search",
		chromedp.SendKeys("#q", "90s horror but not slasher"),
		chromedp.Click("#search-btn"),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll('#items > li').length === 2 &&
			!document.querySelector('#items > li[data-id="3"] .categories').hidden`),
	)
	results := text(`document.getElementById('results').innerText`)
	for _, want := range []string{
		"Cube (1997) <img src=x onerror=window.__pwned=1>", // shown as text, not markup
		"Horror · Sci-Fi",
		"Matches 'horror'",
		"Popular in Horror",
		"Because you liked Cube (1997)",
		"Understood by the built-in parser.",
		"You asked for Horror titles from 1990 to 1999 without slasher.",
		"categories Horror; years 1990–1999; without slasher",
	} {
		if !strings.Contains(results, want) {
			t.Errorf("results do not show %q:\n%s", want, results)
		}
	}
	if n := text(`String(document.querySelectorAll('#items img').length) + String(window.__pwned)`); n != "0undefined" {
		t.Errorf("item titles were parsed as markup: %s", n)
	}
	queries, _, items := api.snapshot()
	if len(queries) != 1 {
		t.Fatalf("API saw %d queries, want 1", len(queries))
	}
	q := queries[0]
	if q["text"] != "90s horror but not slasher" || q["n"] != 10.0 || q["explain"] != true || q["diversity"] != 0.3 {
		t.Errorf("query body = %v, want text, n 10, explain true and diversity 0.3", q)
	}
	if _, ok := q["user_id"]; ok {
		t.Errorf("query body has a user_id without a user picked: %v", q)
	}
	if !slices.Contains(items, "3") || slices.Contains(items, "2") {
		t.Errorf("item look-ups = %q, want only the item without categories (3)", items)
	}
	shot(t, bctx, "page-search.png")

	// Slider: three steps right re-runs the search with diversity 0.6.
	do("slider", chromedp.Focus("#diversity"), chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowRight),
		chromedp.KeyEvent(kb.ArrowRight))
	waitFor(t, "search with diversity 0.6", func() bool {
		qs, _, _ := api.snapshot()
		return len(qs) > 1 && qs[len(qs)-1]["diversity"] == 0.6
	})
	if got := text(`document.getElementById('diversity-value').textContent`); got != "0.6" {
		t.Errorf("slider label = %q, want 0.6", got)
	}

	// User picker: the user's recommendations with the slider's diversity.
	do("pick user",
		chromedp.SendKeys("#user", "42"),
		chromedp.Click("#user-btn"),
		chromedp.Poll[chromedp.Void](`!!document.querySelector('#items > li[data-id="11"]') &&
			!document.querySelector('#items > li[data-id="11"] .categories').hidden`),
	)
	results = text(`document.getElementById('results').innerText`)
	for _, want := range []string{"Amelie (2001)", "Comedy · Romance", "Liked by people with similar taste",
		"Because you liked The Terminator (1984)", "A less-known pick",
		"Recommendations for user 42 (strategy hybrid, model v7)."} {
		if !strings.Contains(results, want) {
			t.Errorf("user results do not show %q:\n%s", want, results)
		}
	}
	if strings.Contains(results, "1240") {
		t.Errorf("a reason shows a raw item id where the API gave a sentence:\n%s", results)
	}
	_, recs, _ := api.snapshot()
	if len(recs) != 1 || recs[0].Path != "/v1/users/42/recommendations" ||
		recs[0].Query().Get("n") != "10" || recs[0].Query().Get("diversity") != "0.6" {
		t.Errorf("recommendation requests = %v, want one for user 42 with n=10&diversity=0.6", recs)
	}
	shot(t, bctx, "page-user.png")

	// A form submitted before the script ran lands on /?q=...: the script runs it on load.
	do("load with query", chromedp.Navigate(srv.URL+"/?q=funny&diversity=0.9"),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll('#items > li').length === 2`))
	queries, _, _ = api.snapshot()
	if last := queries[len(queries)-1]; last["text"] != "funny" || last["diversity"] != 0.9 {
		t.Errorf("query from the address = %v, want text funny and diversity 0.9", last)
	}
}

func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if len(png) < 8 || string(png[1:4]) != "PNG" {
		t.Fatalf("screenshot is not a PNG (%d bytes)", len(png))
	}
	p := filepath.Join(artifactDir(t), name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatalf("write screenshot: %v", err)
	}
	t.Logf("screenshot: %s (%d bytes)", p, len(png))
}

// waitFor polls cond until it holds; the test's context bounds the wait.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
