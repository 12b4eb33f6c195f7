package service

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/gbdt"
	"github.com/recd/recd/online"
	"github.com/recd/recd/store"
)

// Label sources of the learned ranker's training (RankerOptions.Labels).
const (
	LabelsOffline = "offline" // each user's held-out items among their candidates
	LabelsOnline  = "online"  // clicks and conversions on logged lists, debiased
	LabelsBoth    = "both"    // the offline groups and the logged lists together
)

// maxOnlineLists bounds the logged lists one training run reads (about 40 MB of rows at 20
// features and 10 items a list).
const maxOnlineLists = 200_000

// loggedDataset is the training set of the logged lists (see onlineDataset) of the
// impressions' retention window whose feature rows have the names given, debiased by the
// randomised-swap propensities of those lists when enough were swapped (swapPropensities),
// else by the position-CTR curve the online metrics fold of the same window gives; unless
// ranker.debias is off: every row then weighs 1. It is empty when the store keeps no
// impressions. The info says which propensities weighted the labels.
func (t *trainer) loggedDataset(ctx context.Context, names []string) (*gbdt.Dataset, PropensityInfo, error) {
	src, ok := t.st.(store.ImpressionScanner)
	if !ok || !t.opts.Feedback.Impressions {
		return onlineDataset(nil, names, nil), PropensityInfo{Source: PropensityNone}, nil
	}
	fo := t.opts.Feedback
	to := time.Now()
	from := to.Add(-fo.Retention)
	oo := online.Options{ClickTypes: fo.ClickTypes, ConversionTypes: fo.ConversionTypes, K: online.MaxK}
	res, err := online.Fold(ctx, src, online.Env{}, online.Query{From: from, To: to, GroupBy: online.ByNone}, oo)
	if err != nil {
		return nil, PropensityInfo{}, fmt.Errorf("ranker labels: position curve: %w", err)
	}
	var curve []float64
	if len(res.Groups) > 0 {
		curve = res.Groups[0].PositionCTR
	}
	lists, err := scanLogged(ctx, src, from, to, names, fo)
	if err != nil {
		return nil, PropensityInfo{}, err
	}
	info := choosePropensities(lists, curve, t.opts.Ranker.Debias)
	t.log.Info("ranker online labels", "lists", len(lists), "propensity", info.Source,
		"swapped_lists", info.SwappedLists, "propensities", info.Propensities)
	return onlineDataset(lists, names, info.Propensities), info, nil
}

// scanLogged reads the logged lists of [from, to) whose rows have the names given and grades
// each position by the feedback its own user attributed to it within an hour after to.
func scanLogged(ctx context.Context, src store.ImpressionScanner, from, to time.Time, names []string, fo FeedbackOptions) ([]loggedList, error) {
	var lists []loggedList
	type ref struct {
		list int
		user string
	}
	at := map[string]ref{}
	err := src.ScanImpressions(ctx, from, to, func(im store.Impression) error {
		f := im.Features
		if f == nil || im.UserID == "" || len(lists) >= maxOnlineLists || !slices.Equal(f.Names, names) || len(f.Rows) != len(im.Items) {
			return nil
		}
		l := loggedList{Grades: make([]float32, len(im.Items))}
		for _, row := range f.Rows {
			if len(row) != len(names) {
				return nil // an item the ranker did not score: the list is not one it ranked
			}
			l.X = append(l.X, row...)
		}
		l.Swap = f.Swap
		at[im.ID] = ref{len(lists), im.UserID}
		lists = append(lists, l)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ranker labels: scan impressions: %w", err)
	}
	err = src.ScanAttributedEvents(ctx, from, to.Add(time.Hour), func(e recd.Event) error {
		r, ok := at[e.RecommendationID]
		if !ok || e.Position == nil || e.UserID != r.user || *e.Position < 0 || *e.Position >= len(lists[r.list].Grades) {
			return nil
		}
		g := &lists[r.list].Grades[*e.Position]
		switch {
		case slices.Contains(fo.ConversionTypes, e.Type):
			*g = 2
		case slices.Contains(fo.ClickTypes, e.Type):
			*g = max(*g, 1)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ranker labels: scan events: %w", err)
	}
	return lists, nil
}

// withLogged returns the training set for the labels chosen: the offline groups, the logged
// lists', or both in one set (offline rows weighing 1 beside the logged lists' weights).
func withLogged(offline, logged *gbdt.Dataset, labels string) *gbdt.Dataset {
	switch labels {
	case LabelsOnline:
		return logged
	case LabelsBoth:
	default:
		return offline
	}
	d := *offline
	d.X = append(slices.Clone(offline.X), logged.X...)
	d.Label = append(slices.Clone(offline.Label), logged.Label...)
	d.Group = append(slices.Clone(offline.Group), logged.Group...)
	d.Weight = nil
	if logged.Weight != nil {
		d.Weight = make([]float32, len(offline.Label), len(d.Label))
		for i := range d.Weight {
			d.Weight[i] = 1
		}
		d.Weight = append(d.Weight, logged.Weight...)
	}
	return &d
}
