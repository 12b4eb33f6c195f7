package eval

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// plotMetrics are the bars of the metric plot (all in [0, 1]).
var plotMetrics = []string{MetricNDCG, MetricRecall, MetricPrecision, MetricMAP, MetricMRR, MetricHitRate, MetricCoverage}

// MetricBarsPlot draws one group of bars per metric, one bar per model.
func MetricBarsPlot(r *Report) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Metrics at k = %d", r.k())
	p.Y.Label.Text = "value"
	p.Y.Min = 0
	w := vg.Points(60 / float64(max(1, len(r.Results))))
	for n, x := range r.Results {
		vals := make(plotter.Values, len(plotMetrics))
		for i, m := range plotMetrics {
			vals[i] = x.Metrics[m]
		}
		bars, err := plotter.NewBarChart(vals, w)
		if err != nil {
			return nil, fmt.Errorf("bars %s: %w", x.Model, err)
		}
		bars.LineStyle.Width = 0
		bars.Color = plotutil.Color(n)
		bars.Offset = w * vg.Length(float64(n)-float64(len(r.Results)-1)/2)
		p.Add(bars)
		p.Legend.Add(x.Model, bars)
	}
	p.Legend.Top = true
	p.NominalX(plotMetrics...)
	return p, nil
}

// TradeoffPlot draws NDCG against intra-list diversity, one line per series, each point
// labelled with its diversity setting.
func TradeoffPlot(points []TradeoffPoint) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "Accuracy-diversity trade-off"
	p.X.Label.Text = "intra-list diversity"
	p.Y.Label.Text = "NDCG"
	series := map[string][]TradeoffPoint{}
	var names []string
	for _, pt := range points {
		if _, ok := series[pt.Series]; !ok {
			names = append(names, pt.Series)
		}
		series[pt.Series] = append(series[pt.Series], pt)
	}
	for n, name := range names {
		pts := series[name]
		sort.Slice(pts, func(a, b int) bool { return pts[a].Diversity < pts[b].Diversity })
		xys := make(plotter.XYs, len(pts))
		labels := make([]string, len(pts))
		for i, pt := range pts {
			xys[i] = plotter.XY{X: pt.ILD, Y: pt.NDCG}
			labels[i] = fmt.Sprintf("%.2g", pt.Diversity)
		}
		line, scatter, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, fmt.Errorf("tradeoff %s: %w", name, err)
		}
		line.Color, scatter.Color = plotutil.Color(n), plotutil.Color(n)
		lab, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: labels})
		if err != nil {
			return nil, fmt.Errorf("tradeoff labels %s: %w", name, err)
		}
		p.Add(line, scatter, lab)
		p.Legend.Add(name, line, scatter)
	}
	return p, nil
}

// LorenzCurve returns the long-tail exposure curve of exposure counts: items sorted from
// least to most exposed, x the cumulative share of items and y the cumulative share of
// exposure, starting at (0, 0).
func LorenzCurve(exposure []float64) plotter.XYs {
	x := append([]float64(nil), exposure...)
	sort.Float64s(x)
	total := 0.0
	for _, v := range x {
		total += v
	}
	out := make(plotter.XYs, 0, len(x)+1)
	out = append(out, plotter.XY{})
	cum := 0.0
	for i, v := range x {
		cum += v
		y := 0.0
		if total > 0 {
			y = cum / total
		}
		out = append(out, plotter.XY{X: float64(i+1) / float64(len(x)), Y: y})
	}
	return out
}

// ExposurePlot draws each model's Lorenz curve of item exposure against equal exposure.
func ExposurePlot(r *Report) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "Long-tail exposure (Lorenz curve)"
	p.X.Label.Text = "share of items (least exposed first)"
	p.Y.Label.Text = "share of recommendations"
	eq, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})
	if err != nil {
		return nil, err
	}
	eq.Dashes = []vg.Length{vg.Points(3), vg.Points(3)}
	p.Add(eq)
	p.Legend.Add("equal exposure", eq)
	for n, x := range r.Results {
		line, err := plotter.NewLine(lorenzThin(LorenzCurve(x.Exposure), 400))
		if err != nil {
			return nil, fmt.Errorf("exposure %s: %w", x.Model, err)
		}
		line.Color = plotutil.Color(n)
		line.Width = vg.Points(1.5)
		p.Add(line)
		p.Legend.Add(fmt.Sprintf("%s (Gini %.3f)", x.Model, x.Metrics[MetricGini]), line)
	}
	p.Legend.Top, p.Legend.Left = true, true
	return p, nil
}

// lorenzThin keeps at most n+1 evenly spaced points so the SVG stays small.
func lorenzThin(xys plotter.XYs, n int) plotter.XYs {
	if len(xys) <= n+1 {
		return xys
	}
	out := make(plotter.XYs, 0, n+1)
	for i := 0; i <= n; i++ {
		out = append(out, xys[int(math.Round(float64(i)*float64(len(xys)-1)/float64(n)))])
	}
	return out
}

// plotDataURI renders p as SVG and returns it as a base64 data URI.
func plotDataURI(p *plot.Plot, w, h vg.Length) (string, error) {
	wt, err := p.WriterTo(w, h, "svg")
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if _, err := wt.WriteTo(&buf); err != nil {
		return "", err
	}
	return "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

var htmlReport = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}img{display:block;margin:1em 0}</style>
</head><body>
<h1>{{.Title}}</h1>
{{if .Protocol}}<p>{{.Protocol}}</p>{{end}}
<table><tr><th>model</th>{{range .Header}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>
{{range .Plots}}<figure><img alt="{{.Alt}}" {{.Src}}><figcaption>{{.Alt}}</figcaption></figure>
{{end}}</body></html>
`))

type htmlPlot struct {
	Alt string
	Src template.HTMLAttr // src="data:image/svg+xml;base64,...", built from base64 only
}

// WriteHTML writes a self-contained HTML page: the comparison table and SVG plots embedded
// as data URIs (metric bars per model, the long-tail exposure curve and, when the report has
// trade-off points, the accuracy-diversity curve).
func WriteHTML(w io.Writer, r *Report) error {
	ms := r.presentMetrics()
	var header []string
	for _, m := range ms {
		header = append(header, atK(m.label, m.key, r.k()))
	}
	header = append(header, "train time", "size", "p vs best ("+r.metric()+")")
	var rows [][]string
	for _, row := range r.Rows() {
		x := row.Result
		cells := []string{x.Model}
		for _, m := range ms {
			if v, ok := x.Metrics[m.key]; ok {
				cells = append(cells, fmt.Sprintf("%.4f", v))
			} else {
				cells = append(cells, "-")
			}
		}
		rows = append(rows, append(cells, formatDuration(x.TrainTime), formatSize(x.Size), formatP(row.PValue)))
	}
	var plots []htmlPlot
	add := func(alt string, p *plot.Plot, err error) error {
		if err != nil {
			return fmt.Errorf("plot %s: %w", alt, err)
		}
		uri, err := plotDataURI(p, 8*vg.Inch, 4.5*vg.Inch)
		if err != nil {
			return fmt.Errorf("render %s: %w", alt, err)
		}
		plots = append(plots, htmlPlot{alt, template.HTMLAttr(`src="` + uri + `"`)})
		return nil
	}
	p, err := MetricBarsPlot(r)
	if err := add("Metric bars per model", p, err); err != nil {
		return err
	}
	p, err = ExposurePlot(r)
	if err := add("Long-tail exposure curve", p, err); err != nil {
		return err
	}
	if len(r.Tradeoff) > 0 {
		p, err = TradeoffPlot(r.Tradeoff)
		if err := add("Accuracy-diversity trade-off", p, err); err != nil {
			return err
		}
	}
	if err := learnedPlots(r, add); err != nil {
		return err
	}
	title := r.Title
	if strings.TrimSpace(title) == "" {
		title = "recd evaluation"
	}
	return htmlReport.Execute(w, struct {
		Title, Protocol string
		Header          []string
		Rows            [][]string
		Plots           []htmlPlot
	}{title, r.Protocol, header, rows, plots})
}
