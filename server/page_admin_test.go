package server_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/recd/recd"
	"github.com/recd/recd/experiment"
	"github.com/recd/recd/server"
	"github.com/recd/recd/service"
)

// adminFixture is the server fixture with an A/B experiment (the default blend against
// popularity only) running, every user served once under it and clicking the first item of
// their list, all flushed, so reports and online metrics have something to show.
func adminFixture(t *testing.T) *service.Service {
	t.Helper()
	svc, _ := fixture(t, service.DefaultOptions())
	ctx := t.Context()
	now := time.Now()
	x := experiment.Experiment{ID: "blend-vs-popular", Start: now.Add(-time.Hour), End: now.Add(24 * time.Hour),
		Variants: []experiment.Variant{{Name: "control", Weight: 1},
			{Name: "popular", Weight: 1, Overrides: experiment.Overrides{"sources": json.RawMessage(`["popular"]`)}}}}
	if _, _, err := svc.PutExperiment(ctx, x); err != nil {
		t.Fatal(err)
	}
	for u := range 20 {
		user := fmt.Sprintf("u%d", u)
		resp, err := svc.Recommend(ctx, service.RecommendRequest{UserID: user, N: 5})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Experiment != x.ID || len(resp.Items) == 0 {
			t.Fatalf("%s served %+v, want a list under the experiment", user, resp)
		}
		if _, err := svc.AddEvents(ctx, []recd.Event{{UserID: user, ItemID: resp.Items[0].ID, Type: "click",
			RecommendationID: resp.RecommendationID}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := svc.FlushImpressions(ctx); err != nil {
		t.Fatal(err)
	}
	return svc
}

// TestAdminPage_WithAuth drives the operator page in headless Chromium against the real API
// with keys required: without a key it asks for an admin key, a read key is told it is not
// enough, and with an admin key it lists the running experiment, shows its report (a row per
// variant, the lift as an interval bar, the sample-ratio check), charts the online metrics per
// variant, lists the model versions, and previews a user's list under both variants side by
// side with titles. Screenshots go to $RECD_TEST_ARTIFACTS or the test's artifact directory.
func TestAdminPage_WithAuth(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	chrome := chromium()
	if chrome == "" {
		t.Skip("no chromium binary (apt-get install -y chromium)")
	}
	svc := adminFixture(t)
	srv := httptest.NewServer(server.New(svc, server.Options{Auth: newTestAuth(t, server.DefaultAuthOptions(), 0, 0)}))
	defer srv.Close()
	b := newBrowser(t, chrome)

	b.do("open without a key", chromedp.Navigate(srv.URL+"/admin"), chromedp.WaitVisible("#key"),
		chromedp.Poll[chromedp.Void](`document.getElementById('status').className === 'error'`))
	if s := b.text(`document.getElementById('status').textContent`); !strings.Contains(s, "admin role") || strings.Contains(s, "401") {
		t.Errorf("status without a key = %q, want a prompt for a key with the admin role", s)
	}

	b.do("a read key", chromedp.SendKeys("#key", testKeys[server.RoleRead]), chromedp.Click("#key-btn"),
		chromedp.Poll[chromedp.Void](`document.getElementById('status').textContent.includes('may not do that')`))
	if s := b.text(`document.getElementById('status').textContent`); !strings.Contains(s, "admin role") {
		t.Errorf("status with a read key = %q, want it to ask for the admin role", s)
	}

	b.do("an admin key", chromedp.SendKeys("#key", testKeys[server.RoleAdmin]), chromedp.Click("#key-btn"),
		chromedp.Poll[chromedp.Void](`document.getElementById('status').textContent.startsWith('Loaded 1 experiment')`))
	if got := b.text(`document.querySelector('#exp-table tbody').innerText`); !strings.Contains(got, "blend-vs-popular") ||
		!strings.Contains(got, "control (1), popular (1)") || !strings.Contains(got, "running") {
		t.Errorf("experiments table:\n%s\nwant blend-vs-popular, its variants and running", got)
	}
	if got := b.text(`document.querySelector('#models-table tbody').innerText`); !strings.Contains(got, "serving") {
		t.Errorf("models table:\n%s\nwant the serving version", got)
	}

	b.do("the report", chromedp.Click(`#exp-table tbody button`),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll('#report-table tbody tr').length === 2`))
	rows := b.text(`Array.from(document.querySelectorAll('#report-table tbody tr')).map(r => r.innerText).join('\n')`)
	if !strings.Contains(rows, "control") || !strings.Contains(rows, "popular") || !strings.Contains(rows, "%") {
		t.Errorf("report rows:\n%s\nwant control and popular with their CTR", rows)
	}
	if n := b.text(`String(document.querySelectorAll('#report-table svg.lift').length)`); n != "1" {
		t.Errorf("%s lift bars, want 1 (the treatment's)", n)
	}
	if srm := b.text(`document.getElementById('report-srm').textContent`); !strings.Contains(srm, "Sample-ratio") {
		t.Errorf("sample-ratio line = %q", srm)
	}
	if s := b.text(`document.getElementById('report-summary').textContent`); !strings.Contains(s, "Not conclusive") {
		t.Errorf("report summary = %q: 20 users cannot be conclusive", s)
	}

	b.do("metrics per variant", chromedp.SetValue("#metrics-group", "variant"), chromedp.Click("#metrics-btn"),
		chromedp.Poll[chromedp.Void](`document.getElementById('metrics-caption').textContent.startsWith('CTR per variant')`))
	legend := b.text(`Array.from(document.querySelectorAll('#metrics-chart text')).map(e => e.textContent).join(' ')`)
	if !strings.Contains(legend, "control") || !strings.Contains(legend, "popular") {
		t.Errorf("chart labels %q, want a series per variant", legend)
	}
	if n := b.text(`String(document.querySelectorAll('#metrics-chart circle').length)`); n == "0" {
		t.Errorf("the chart has no points")
	}
	b.shot("admin-report.png")

	b.do("preview", chromedp.SendKeys("#preview-user", "u1"), chromedp.Click("#preview-btn"),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll('#preview-columns section').length === 2`))
	cols := b.text(`Array.from(document.querySelectorAll('#preview-columns section')).map(s => s.innerText).join('\n---\n')`)
	if !strings.Contains(cols, "control") || !strings.Contains(cols, "popular") || !strings.Contains(cols, "Item ") {
		t.Errorf("preview columns:\n%s\nwant both variants' lists with titles", cols)
	}
	b.shot("admin-preview.png")
}
