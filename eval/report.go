package eval

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"time"
)

// Report is a comparison of models evaluated on the same split. It is not safe for
// concurrent mutation; the writers only read it.
type Report struct {
	Title string `json:"title"`
	// Protocol describes the data and split, e.g. "ml-latest-small, random 80/20, seed 42".
	Protocol string    `json:"protocol"`
	Results  []*Result `json:"-"`
	// Tradeoff holds accuracy-diversity points (one series per label) for the HTML plot.
	Tradeoff []TradeoffPoint `json:"tradeoff,omitempty"`
	// SignificanceMetric is the per-user metric the paired t-test against the best model uses.
	// Default MetricNDCG.
	SignificanceMetric string `json:"significance_metric"`
	// Groups is the fairness audit by a user attribute (recd eval --group-by), nil without.
	Groups *GroupReport `json:"groups,omitempty"`
	// Learned holds the learned ranking stages of the models that have one (Learner).
	Learned []*LearnedRanking `json:"learned,omitempty"`
}

// TradeoffPoint is one run of a diversified ranking: the diversity setting (for example
// 1 - MMR lambda), its accuracy and its intra-list diversity.
type TradeoffPoint struct {
	Series    string  `json:"series"`
	Diversity float64 `json:"diversity"`
	NDCG      float64 `json:"ndcg"`
	ILD       float64 `json:"ild"`
}

// Row is one model's line of the comparison.
type Row struct {
	Result *Result
	// PValue is the paired t-test p-value of the significance metric against the best model
	// (NaN for the best model itself or when the test cannot run).
	PValue float64
	Best   bool
}

func (r *Report) metric() string {
	if r.SignificanceMetric == "" {
		return MetricNDCG
	}
	return r.SignificanceMetric
}

// Rows returns the results sorted by the significance metric, best first, each with its
// p-value against the best.
func (r *Report) Rows() []Row {
	met := r.metric()
	res := append([]*Result(nil), r.Results...)
	sort.SliceStable(res, func(a, b int) bool { return res[a].Metrics[met] > res[b].Metrics[met] })
	rows := make([]Row, len(res))
	for i, x := range res {
		rows[i] = Row{Result: x, PValue: math.NaN(), Best: i == 0}
		if i > 0 {
			if _, _, p, err := PairedTTest(res[0], x, met); err == nil {
				rows[i].PValue = p
			}
		}
	}
	return rows
}

// tableMetrics are the columns of the markdown and HTML tables, in order.
var tableMetrics = []struct{ key, label string }{
	{MetricNDCG, "NDCG"}, {MetricRecall, "Recall"}, {MetricPrecision, "Precision"}, {MetricMAP, "MAP"},
	{MetricMRR, "MRR"}, {MetricHitRate, "HitRate"}, {MetricCoverage, "Coverage"}, {MetricILD, "ILD"},
	{MetricILDContent, "ILD-content"}, {MetricILDCF, "ILD-cf"}, {MetricNovelty, "Novelty"}, {MetricGini, "Gini"}, {MetricMiscalibration, "Miscal"},
	{MetricRMSE, "RMSE"}, {MetricMAE, "MAE"},
}

// presentMetrics returns the table metrics at least one result has.
func (r *Report) presentMetrics() []struct{ key, label string } {
	var out []struct{ key, label string }
	for _, m := range tableMetrics {
		for _, x := range r.Results {
			if _, ok := x.Metrics[m.key]; ok {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

func (r *Report) k() int {
	if len(r.Results) > 0 {
		return r.Results[0].K
	}
	return 0
}

func atK(label string, key string, k int) string {
	switch key {
	case MetricCoverage, MetricGini, MetricRMSE, MetricMAE:
		return label
	}
	return fmt.Sprintf("%s@%d", label, k)
}

func formatP(p float64) string {
	switch {
	case math.IsNaN(p):
		return "-"
	case p < 1e-4:
		return "<1e-4"
	}
	return fmt.Sprintf("%.4f", p)
}

func formatDuration(d time.Duration) string {
	return fmt.Sprintf("%.2fs", d.Seconds())
}

func formatSize(n int64) string {
	if n <= 0 {
		return "-"
	}
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
}

// WriteMarkdown writes the comparison as a markdown table, best model first.
func WriteMarkdown(w io.Writer, r *Report) error {
	var b strings.Builder
	if r.Title != "" {
		fmt.Fprintf(&b, "## %s\n\n", r.Title)
	}
	if r.Protocol != "" {
		fmt.Fprintf(&b, "%s\n\n", r.Protocol)
	}
	ms := r.presentMetrics()
	b.WriteString("| model |")
	for _, m := range ms {
		fmt.Fprintf(&b, " %s |", atK(m.label, m.key, r.k()))
	}
	fmt.Fprintf(&b, " train time | size | p vs best (%s) |\n|---|", r.metric())
	for range ms {
		b.WriteString("---:|")
	}
	b.WriteString("---:|---:|---:|\n")
	for _, row := range r.Rows() {
		x := row.Result
		fmt.Fprintf(&b, "| %s |", x.Model)
		for _, m := range ms {
			if v, ok := x.Metrics[m.key]; ok {
				fmt.Fprintf(&b, " %.4f |", v)
			} else {
				b.WriteString(" - |")
			}
		}
		fmt.Fprintf(&b, " %s | %s | %s |\n", formatDuration(x.TrainTime), formatSize(x.Size), formatP(row.PValue))
	}
	writeGroupsMarkdown(&b, r)
	_, err := io.WriteString(w, b.String())
	return err
}

// jsonModel is one model's entry in the JSON report.
type jsonModel struct {
	Metrics    map[string]float64 `json:"metrics"`
	TrainTimeS float64            `json:"train_time_s"`
	EvalTimeS  float64            `json:"eval_time_s"`
	SizeBytes  int64              `json:"size_bytes"`
	Users      int                `json:"users"`
	PValue     *float64           `json:"p_value_vs_best,omitempty"`
}

// WriteJSON writes one JSON object with every model's metrics, training time and size.
func WriteJSON(w io.Writer, r *Report) error {
	out := struct {
		Title    string               `json:"title,omitempty"`
		Protocol string               `json:"protocol,omitempty"`
		K        int                  `json:"k"`
		Best     string               `json:"best,omitempty"`
		Metric   string               `json:"significance_metric"`
		Models   map[string]jsonModel `json:"models"`
		Order    []string             `json:"order"`
		Tradeoff []TradeoffPoint      `json:"tradeoff,omitempty"`
		Groups   *GroupReport         `json:"groups,omitempty"`
		Learned  []*LearnedRanking    `json:"learned,omitempty"`
	}{Title: r.Title, Protocol: r.Protocol, K: r.k(), Metric: r.metric(), Models: map[string]jsonModel{}, Tradeoff: r.Tradeoff,
		Groups: r.Groups, Learned: r.Learned}
	for _, row := range r.Rows() {
		x := row.Result
		jm := jsonModel{Metrics: map[string]float64{}, TrainTimeS: x.TrainTime.Seconds(), EvalTimeS: x.EvalTime.Seconds(),
			SizeBytes: x.Size, Users: x.Users}
		for k, v := range x.Metrics {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				jm.Metrics[k] = v
			}
		}
		if !math.IsNaN(row.PValue) {
			p := row.PValue
			jm.PValue = &p
		}
		if row.Best {
			out.Best = x.Model
		}
		out.Models[x.Model] = jm
		out.Order = append(out.Order, x.Model)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
