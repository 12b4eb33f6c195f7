package eval

import (
	"fmt"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
)

// LearnedRanking describes a fitted model's learned ranking stage for the report: whether it
// serves and why, its features' shares of the trees' gain and the validation NDCG per
// boosting round.
type LearnedRanking struct {
	Model      string    `json:"model"`
	Note       string    `json:"note"`
	Features   []string  `json:"features"`
	Importance []float64 `json:"importance"`
	Curve      []float64 `json:"curve"`
}

// Learner is implemented by models with a learned ranking stage (the served pipeline with its
// ranker); RunCLI asks it after fitting and puts the answer (nil: none) into the report.
type Learner interface {
	LearnedRanking() *LearnedRanking
}

// ImportancePlot draws the features' shares of the trees' gain, largest on top.
func ImportancePlot(l *LearnedRanking) (*plot.Plot, error) {
	order := make([]int, len(l.Features))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return l.Importance[order[a]] < l.Importance[order[b]] })
	vals := make(plotter.Values, len(order))
	names := make([]string, len(order))
	for r, i := range order {
		vals[r], names[r] = l.Importance[i], l.Features[i]
	}
	p := plot.New()
	p.Title.Text = l.Model + ": feature importance (share of gain)"
	bars, err := plotter.NewBarChart(vals, 8)
	if err != nil {
		return nil, err
	}
	bars.Horizontal, bars.LineStyle.Width, bars.Color = true, 0, plotutil.Color(0)
	p.Add(bars)
	p.NominalY(names...)
	return p, nil
}

// CurvePlot draws the validation NDCG per boosting round.
func CurvePlot(l *LearnedRanking) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = l.Model + ": validation NDCG per boosting round"
	p.X.Label.Text, p.Y.Label.Text = "round", "NDCG"
	xys := make(plotter.XYs, len(l.Curve))
	for i, v := range l.Curve {
		xys[i] = plotter.XY{X: float64(i + 1), Y: v}
	}
	line, err := plotter.NewLine(xys)
	if err != nil {
		return nil, err
	}
	line.Color = plotutil.Color(0)
	p.Add(line)
	return p, nil
}

// learnedPlots adds each learned ranking's importance and curve to the HTML plots.
func learnedPlots(r *Report, add func(alt string, p *plot.Plot, err error) error) error {
	for _, l := range r.Learned {
		if len(l.Features) == 0 || len(l.Importance) != len(l.Features) {
			continue
		}
		p, err := ImportancePlot(l)
		if err := add(fmt.Sprintf("%s: feature importance. %s", l.Model, l.Note), p, err); err != nil {
			return err
		}
		if len(l.Curve) > 0 {
			p, err = CurvePlot(l)
			if err := add(l.Model+": validation NDCG per boosting round", p, err); err != nil {
				return err
			}
		}
	}
	return nil
}
