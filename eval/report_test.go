package eval

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
)

func reportFixture() *Report {
	a := resultWith("ease", map[string]float64{"x": 0.9, "y": 0.8, "z": 0.7, "w": 0.95})
	b := resultWith("pop", map[string]float64{"x": 0.2, "y": 0.1, "z": 0.3, "w": 0.25})
	a.K, b.K = 10, 10
	a.Metrics = map[string]float64{MetricNDCG: 0.8375, MetricRecall: 0.5, MetricCoverage: 0.3, MetricGini: 0.4}
	b.Metrics = map[string]float64{MetricNDCG: 0.2125, MetricRecall: 0.1, MetricCoverage: 0.01, MetricGini: 0.9}
	a.TrainTime, b.TrainTime = 1500*time.Millisecond, 10*time.Millisecond
	a.Size = 3 << 20
	a.Exposure = []float64{0, 1, 2, 3, 4}
	b.Exposure = []float64{0, 0, 0, 0, 10}
	return &Report{Title: "test", Protocol: "tiny", Results: []*Result{b, a},
		Tradeoff: []TradeoffPoint{{"mmr", 0, 0.38, 0.6}, {"mmr", 0.5, 0.33, 0.75}, {"mmr", 0.9, 0.2, 0.85}}}
}

func TestReport_Rows(t *testing.T) {
	rows := reportFixture().Rows()
	if rows[0].Result.Model != "ease" || !rows[0].Best || rows[1].Best {
		t.Fatalf("rows not sorted best first: %s, %s", rows[0].Result.Model, rows[1].Result.Model)
	}
	_, _, want, _ := PairedTTest(rows[0].Result, rows[1].Result, MetricNDCG)
	if rows[1].PValue != want || !(want < 0.01) {
		t.Errorf("p = %v, want the paired t-test's %v (< 0.01)", rows[1].PValue, want)
	}
}

func TestWriteMarkdown(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, reportFixture()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"| NDCG@10 |", "| ease | 0.8375 | 0.5000 | 0.3000 | 0.4000 | 1.50s | 3.0 MiB | - |", "| pop | 0.2125 |"} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
	if strings.Index(out, "| ease") > strings.Index(out, "| pop") {
		t.Error("best model not first")
	}
}

func TestWriteJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, reportFixture()); err != nil {
		t.Fatal(err)
	}
	var got struct {
		K      int    `json:"k"`
		Best   string `json:"best"`
		Models map[string]struct {
			Metrics    map[string]float64 `json:"metrics"`
			TrainTimeS float64            `json:"train_time_s"`
			SizeBytes  int64              `json:"size_bytes"`
			PValue     *float64           `json:"p_value_vs_best"`
		} `json:"models"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	e, p := got.Models["ease"], got.Models["pop"]
	if got.K != 10 || got.Best != "ease" || e.Metrics[MetricNDCG] != 0.8375 || e.TrainTimeS != 1.5 || e.SizeBytes != 3<<20 {
		t.Errorf("unexpected JSON: %s", buf.String())
	}
	if e.PValue != nil || p.PValue == nil {
		t.Errorf("p-values: best %v, other %v; want none for the best only", e.PValue, p.PValue)
	}
}

func TestWriteHTML(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteHTML(&buf, reportFixture()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	re := regexp.MustCompile(`<img alt="([^"]+)" src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)">`)
	imgs := re.FindAllStringSubmatch(out, -1)
	want := []string{"Metric bars per model", "Long-tail exposure curve", "Accuracy-diversity trade-off"}
	if len(imgs) != len(want) {
		t.Fatalf("%d embedded plots, want %d", len(imgs), len(want))
	}
	for i, img := range imgs {
		if img[1] != want[i] {
			t.Errorf("plot %d is %q, want %q", i, img[1], want[i])
		}
		svg, err := base64.StdEncoding.DecodeString(img[2])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(svg, []byte("<svg")) {
			t.Errorf("plot %q is not SVG", img[1])
		}
		// each plot names the models or series it draws
		for _, name := range map[int][]string{0: {"ease", "pop"}, 1: {"ease", "Gini"}, 2: {"mmr"}}[i] {
			if !bytes.Contains(svg, []byte(name)) {
				t.Errorf("plot %q lacks %q", img[1], name)
			}
		}
	}
	if !strings.Contains(out, "<td>ease</td>") {
		t.Error("HTML table lacks the ease row")
	}
}

func TestLorenzCurve(t *testing.T) {
	got := LorenzCurve([]float64{3, 0, 1})
	want := [][2]float64{{0, 0}, {1.0 / 3, 0}, {2.0 / 3, 0.25}, {1, 1}}
	for i, w := range want {
		if d := got[i].X - w[0] + got[i].Y - w[1]; d > 1e-9 || d < -1e-9 {
			t.Errorf("point %d = %v, want %v", i, got[i], w)
		}
	}
}
