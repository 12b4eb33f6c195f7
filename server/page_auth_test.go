package server_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/recd/recd/server"
	"github.com/recd/recd/service"
)

// TestPage_WithAuth drives the search page in headless Chromium against the real API with
// API keys required, as under recd serve: without a key a search asks for one (not a bare
// "HTTP 401"); with a read key entered searches work, the key stays in sessionStorage, the
// reasons name titles rather than ids, the user picker rejects unknown users and offers
// known ones, and a query nothing matches says so. Screenshots go to $RECD_TEST_ARTIFACTS
// or the test's artifact directory.
func TestPage_WithAuth(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	chrome := chromium()
	if chrome == "" {
		t.Skip("no chromium binary (apt-get install -y chromium)")
	}
	svc, _ := fixture(t, service.DefaultOptions())
	srv := httptest.NewServer(server.New(svc, server.Options{Auth: newTestAuth(t, server.DefaultAuthOptions(), 0, 0)}))
	defer srv.Close()
	b := newBrowser(t, chrome)

	// No key: the search asks for one and points at the key field.
	b.do("search without a key", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible("#q"),
		chromedp.SendKeys("#q", "comedy"), chromedp.Click("#search-btn"),
		chromedp.Poll[chromedp.Void](`document.getElementById('status').className === 'error'`))
	status := b.text(`document.getElementById('status').textContent`)
	if !strings.Contains(status, "needs an API key") || !strings.Contains(status, "read key") || strings.Contains(status, "401") {
		t.Errorf("status without a key = %q, want a prompt for a read key", status)
	}
	if got := b.text(`document.getElementById('key-section').className + ' ' + document.activeElement.id`); got != "key attention key" {
		t.Errorf("key field after a 401: %q, want the section marked and the field focused", got)
	}
	b.shot("page-auth-prompt.png")

	// A read key re-runs the search, and is kept for the tab only.
	b.do("enter a read key", chromedp.SendKeys("#key", testKeys[server.RoleRead]), chromedp.Click("#key-btn"),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll('#items > li').length > 0`))
	results := b.text(`document.getElementById('results').innerText`)
	if !strings.Contains(results, "Item 5") && !strings.Contains(results, "Item 7") {
		t.Errorf("search for comedy with a key shows no comedy item:\n%s", results)
	}
	if got := b.text(`sessionStorage.getItem('recd.apiKey') + ' ' + localStorage.length + ' ' + document.cookie.length`); got != testKeys[server.RoleRead]+" 0 0" {
		t.Errorf("key storage (session, local, cookies) = %q, want the key in sessionStorage only", got)
	}
	if got := b.text(`document.getElementById('key').value`); got != "" {
		t.Errorf("key field still shows the key after it was stored")
	}
	if u := b.text(`location.href`); strings.Contains(u, testKeys[server.RoleRead]) {
		t.Errorf("the key is in the page's address: %s", u)
	}
	b.shot("page-auth-search.png")

	// A user's reasons name titles, not ids; the user is then offered in the picker.
	b.do("pick a user", chromedp.SendKeys("#user", "u1"), chromedp.Click("#user-btn"),
		chromedp.Poll[chromedp.Void](`document.getElementById('meta').textContent.startsWith('Recommendations for user u1')`))
	reasons := b.text(`Array.from(document.querySelectorAll('.reasons li')).map(e => e.textContent).join('\n')`)
	if !regexp.MustCompile(`liked Item \d`).MatchString(reasons) {
		t.Errorf("user reasons do not name a liked title:\n%s", reasons)
	}
	if id := regexp.MustCompile(`\bi\d\b`).FindString(reasons); id != "" {
		t.Errorf("user reasons show the raw id %q:\n%s", id, reasons)
	}
	if got := b.text(`Array.from(document.querySelectorAll('#user-list option')).map(o => o.value).join(',')`); got != "u1" {
		t.Errorf("user picker offers %q, want u1", got)
	}
	b.shot("page-auth-user.png")
	b.do("unknown user", chromedp.SetValue("#user", "nobody"), chromedp.Click("#user-btn"),
		chromedp.Poll[chromedp.Void](`document.getElementById('status').textContent.includes('There is no user “nobody”')`))

	// A query nothing matches says so rather than counting the popular fallback.
	b.text(`document.getElementById('user').value = ''`)
	b.do("nonsense query", chromedp.SetValue("#q", "zzqxv florp"), chromedp.Click("#search-btn"),
		chromedp.Poll[chromedp.Void](`document.getElementById('status').textContent.startsWith('Nothing matched')`))
	if got := b.text(`document.getElementById('status').textContent`); got != "Nothing matched 'zzqxv florp'; showing popular films instead." {
		t.Errorf("status for a nonsense query = %q", got)
	}
	if n := b.text(`String(document.querySelectorAll('#items > li').length)`); n == "0" {
		t.Errorf("nothing matched, but the popular fallback is not shown")
	}
	b.shot("page-auth-nothing-matched.png")
}

// browser is one headless Chromium tab for a page test.
type browser struct {
	t   *testing.T
	ctx context.Context
	dir string // where screenshots go
}

func newBrowser(t *testing.T, chrome string) *browser {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, chromedp.ExecPath(chrome), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1100, 900))
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(cancelBrowser)
	dir := os.Getenv("RECD_TEST_ARTIFACTS")
	if dir == "" {
		dir = t.ArtifactDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, ctx: bctx, dir: dir}
}

func (b *browser) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		status, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.getElementById('status').textContent`))
		b.t.Fatalf("%s: %v (page status: %q)", step, err, status)
	}
}

func (b *browser) text(js string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return s
}

func (b *browser) shot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	p := filepath.Join(b.dir, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: %s", p)
}
