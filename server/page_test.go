package server_test

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/recd/recd/service"
)

func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// TestPage_AgainstTheRealServer drives the search page in headless Chromium against the real
// API (service, SQLite store, HNSW index, built-in parser): a search, then a user's list, and
// writes screenshots to $RECD_TEST_ARTIFACTS or the test's artifact directory.
func TestPage_AgainstTheRealServer(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	chrome := chromium()
	if chrome == "" {
		t.Skip("no chromium binary (apt-get install -y chromium)")
	}
	_, h := fixture(t, service.DefaultOptions())
	srv := httptest.NewServer(h)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, chromedp.ExecPath(chrome), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1100, 900))
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	dir := os.Getenv("RECD_TEST_ARTIFACTS")
	if dir == "" {
		dir = t.ArtifactDir()
	}
	os.MkdirAll(dir, 0o755)
	shot := func(name string) {
		png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", p)
	}
	text := func(js string) string {
		s, err := chromedp.Run(bctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("evaluate: %v", err)
		}
		return s
	}
	if err := chromedp.Do(bctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible("#q"),
		chromedp.SendKeys("#q", "comedy"), chromedp.Click("#search-btn"),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll('#items > li').length > 0`)); err != nil {
		t.Fatalf("search: %v", err)
	}
	results := text(`document.getElementById('results').innerText`)
	if !strings.Contains(results, "Item 5") && !strings.Contains(results, "Item 7") {
		t.Errorf("search for comedy shows no comedy item:\n%s", results)
	}
	if strings.Contains(results, "Item 0") {
		t.Errorf("search for comedy shows a sci-fi item:\n%s", results)
	}
	shot("page-search-real.png")
	if err := chromedp.Do(bctx, chromedp.SendKeys("#user", "u1"), chromedp.Click("#user-btn"),
		chromedp.Poll[chromedp.Void](`document.getElementById('results').innerText.includes('Item')`)); err != nil {
		t.Fatalf("user picker: %v", err)
	}
	shot("page-user-real.png")
}
