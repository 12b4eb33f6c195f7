package client

import (
	"context"
	"net/url"
	"strconv"
	"time"
)

// OnlineMetrics is the answer of GET /v1/metrics/online: the lists served in [From, To) and
// the clicks and conversions attributed to them, per group.
type OnlineMetrics struct {
	From       time.Time `json:"from"`
	To         time.Time `json:"to"`
	GroupBy    string    `json:"group_by"`
	Experiment string    `json:"experiment,omitempty"`
	K          int       `json:"k"`
	// Truncated says the window held more than one answer reads; ScannedTo is then the time
	// of the first list left unread.
	Truncated     bool          `json:"truncated"`
	ScannedTo     *time.Time    `json:"scanned_to,omitempty"`
	SkippedEvents int64         `json:"skipped_events"`
	Groups        []OnlineGroup `json:"groups"`
	// LargestGap is, with a user-attribute grouping, each metric's highest and lowest group.
	LargestGap map[string]OnlineGap `json:"largest_gap,omitempty"`
}

// OnlineGroup is one group's online metrics (README, Feedback).
type OnlineGroup struct {
	Group           string    `json:"group"`
	Impressions     int64     `json:"impressions"`
	ImpressedItems  int64     `json:"impressed_items"`
	Users           int64     `json:"users"`
	Clicks          int64     `json:"clicks"`
	Conversions     int64     `json:"conversions"`
	CTRAtK          float64   `json:"ctr_at_k"`
	CTR             float64   `json:"ctr"`
	ClickRate       float64   `json:"click_rate"`
	ConversionRate  float64   `json:"conversion_rate"`
	MRR             float64   `json:"mrr"`
	PositionCTR     []float64 `json:"position_ctr"`
	DistinctItems   int64     `json:"distinct_items"`
	Coverage        *float64  `json:"coverage,omitempty"`
	Novelty         *float64  `json:"novelty,omitempty"`
	ModelAgeSeconds *float64  `json:"model_age_seconds,omitempty"`
	NewItemsDay     *float64  `json:"new_items_day,omitempty"`
	NewItemsWeek    *float64  `json:"new_items_week,omitempty"`
}

// OnlineGap is the spread of one metric between user groups.
type OnlineGap struct {
	Highest string   `json:"highest"`
	High    float64  `json:"high"`
	Lowest  string   `json:"lowest"`
	Low     float64  `json:"low"`
	Gap     float64  `json:"gap"`
	PValue  *float64 `json:"p_value,omitempty"`
}

// OnlineQuery selects the window and grouping of OnlineMetrics; zero fields take the
// server's defaults (the last 24 hours, one group, k = 10).
type OnlineQuery struct {
	From, To time.Time
	// GroupBy is variant, strategy, model_version, route or user.<attribute>.
	GroupBy    string
	Experiment string
	K          int
}

// OnlineMetrics returns the online metrics of the lists served in a window.
func (c *Client) OnlineMetrics(ctx context.Context, q OnlineQuery) (OnlineMetrics, error) {
	v := url.Values{}
	if !q.From.IsZero() {
		v.Set("from", q.From.UTC().Format(time.RFC3339Nano))
	}
	if !q.To.IsZero() {
		v.Set("to", q.To.UTC().Format(time.RFC3339Nano))
	}
	for name, s := range map[string]string{"group_by": q.GroupBy, "experiment": q.Experiment} {
		if s != "" {
			v.Set(name, s)
		}
	}
	if q.K > 0 {
		v.Set("k", strconv.Itoa(q.K))
	}
	var out OnlineMetrics
	err := c.do(ctx, &call{ep: epOnlineMetrics, query: v}, &out)
	return out, err
}
