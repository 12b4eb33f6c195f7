package service

import (
	"context"
	"slices"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/recd/recd"
	"github.com/recd/recd/store"
)

// Label bounds of the online counters: a label takes at most this many distinct values,
// later ones are counted as "other", so no client input grows the series without bound.
const (
	maxStrategyLabels = 32
	maxVariantLabels  = 16
)

// OnlineCounters are the online metrics as Prometheus counters, labelled by route
// (recommend, similar, query), strategy and variant ("none" outside an experiment), each
// label from a bounded set. Clicks and conversions count the stored events of
// feedback.click_types and feedback.conversion_types attributed to a list, after their
// commit; the position curve counts clicks by position bucket.
type OnlineCounters struct {
	Impressions    *prometheus.CounterVec
	ImpressedItems *prometheus.CounterVec
	Clicks         *prometheus.CounterVec
	Conversions    *prometheus.CounterVec
	ClicksByPos    *prometheus.CounterVec // by route and position bucket

	strategies, variants *labelSet
}

func newOnlineCounters() *OnlineCounters {
	labels := []string{"route", "strategy", "variant"}
	vec := func(name, help string, l []string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, l)
	}
	return &OnlineCounters{
		Impressions:    vec("recd_online_impressions_total", "Served lists recorded as impressions, by route, strategy and variant.", labels),
		ImpressedItems: vec("recd_online_impressed_items_total", "Items shown in recorded lists, by route, strategy and variant.", labels),
		Clicks:         vec("recd_online_clicks_total", "Stored click events attributed to a served list, by the list's route, strategy and variant.", labels),
		Conversions:    vec("recd_online_conversions_total", "Stored conversion events attributed to a served list, by the list's route, strategy and variant.", labels),
		ClicksByPos: vec("recd_online_clicks_by_position_total", "Stored click events attributed to a served list, by route and the item's position bucket (0, 1, 2, 3-4, 5-9, 10-19, 20+).",
			[]string{"route", "position"}),
		strategies: &labelSet{max: maxStrategyLabels, seen: map[string]bool{}},
		variants:   &labelSet{max: maxVariantLabels, seen: map[string]bool{}},
	}
}

func (c *OnlineCounters) collectors() []prometheus.Collector {
	return []prometheus.Collector{c.Impressions, c.ImpressedItems, c.Clicks, c.Conversions, c.ClicksByPos}
}

// labelSet bounds one label's values: the first max distinct values are kept, the rest are
// "other". mu guards seen. Safe for concurrent use.
type labelSet struct {
	max  int
	mu   sync.Mutex
	seen map[string]bool
}

func (s *labelSet) of(v string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen[v] {
		return v
	}
	if len(s.seen) >= s.max {
		return "other"
	}
	s.seen[v] = true
	return v
}

// routeLabel keeps the routes an impression comes from; anything else is "other".
func routeLabel(route string) string {
	switch route {
	case RouteRecommend, RouteSimilar, RouteQuery:
		return route
	}
	return "other"
}

// labels are a list's route, strategy and variant labels.
func (c *OnlineCounters) labels(im *store.Impression) (route, strategy, variant string) {
	variant = im.Variant
	if variant == "" {
		variant = "none"
	}
	return routeLabel(im.Route), c.strategies.of(im.Strategy), c.variants.of(variant)
}

// served counts a list queued as an impression.
func (c *OnlineCounters) served(im *store.Impression) {
	r, s, v := c.labels(im)
	c.Impressions.WithLabelValues(r, s, v).Inc()
	c.ImpressedItems.WithLabelValues(r, s, v).Add(float64(len(im.Items)))
}

// attributed counts a stored event of list im: a click (with its position bucket) or a
// conversion, by the types fb names; any other type is not counted.
func (c *OnlineCounters) attributed(fb *FeedbackOptions, im *store.Impression, e *recd.Event) {
	r, s, v := c.labels(im)
	switch {
	case slices.Contains(fb.ClickTypes, e.Type):
		c.Clicks.WithLabelValues(r, s, v).Inc()
		if e.Position != nil {
			c.ClicksByPos.WithLabelValues(r, positionBucket(*e.Position)).Inc()
		}
	case slices.Contains(fb.ConversionTypes, e.Type):
		c.Conversions.WithLabelValues(r, s, v).Inc()
	}
}

// positionBucket is a position's bucket label: 0, 1, 2, 3-4, 5-9, 10-19 or 20+.
func positionBucket(p int) string {
	switch {
	case p <= 2:
		return [...]string{"0", "1", "2"}[max(p, 0)]
	case p <= 4:
		return "3-4"
	case p <= 9:
		return "5-9"
	case p <= 19:
		return "10-19"
	}
	return "20+"
}

// countAttributed counts the stored events of a batch attributed to a list, by that list's
// labels. The list is one attribution just found, so it is normally in memory; a list no
// longer found (deleted since) is not counted.
func (r *impressions) countAttributed(ctx context.Context, events []recd.Event) {
	if r == nil {
		return
	}
	for i := range events {
		e := &events[i]
		if e.RecommendationID == "" || !(slices.Contains(r.opts.ClickTypes, e.Type) || slices.Contains(r.opts.ConversionTypes, e.Type)) {
			continue
		}
		im, err := r.get(ctx, e.UserID, e.RecommendationID)
		if err != nil {
			continue
		}
		r.metrics.Online.attributed(&r.opts, &im, e)
	}
}
