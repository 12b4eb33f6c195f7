package server

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/recd/recd"
	"github.com/recd/recd/online"
	"github.com/recd/recd/service"
)

var _ OnlineMetrics = (*service.Service)(nil)

// OnlineMetrics is what GET /v1/metrics/online calls. It is optional, checked by type
// assertion: a backend without it answers the route with 503. *service.Service implements it.
type OnlineMetrics interface {
	OnlineMetrics(ctx context.Context, q online.Query, k int) (*online.Result, error)
}

// Bounds of the online metrics window.
const (
	defaultOnlineWindow = 24 * time.Hour
	maxOnlineWindow     = 90 * 24 * time.Hour
	// maxUnixSeconds bounds a window end given in Unix seconds (year 5138).
	maxUnixSeconds = 1e11
)

// onlineMetrics answers GET /v1/metrics/online: the lists served in [from, to) grouped by
// group_by, with their clicks and conversions.
func (r readRoutes) onlineMetrics(c *gin.Context) {
	b, ok := r.b.(OnlineMetrics)
	if !ok {
		fail(c, fmt.Errorf("online metrics: this backend keeps no served lists: %w", recd.ErrUnavailable))
		return
	}
	q, k, err := onlineQuery(c, time.Now())
	if err != nil {
		fail(c, err)
		return
	}
	res, err := b.OnlineMetrics(c.Request.Context(), q, k)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

// onlineQuery reads and checks the route's parameters: from and to (RFC 3339 or Unix
// seconds; default the 24 hours before now, at most 90 days apart, from before to),
// group_by, experiment and k.
func onlineQuery(c *gin.Context, now time.Time) (online.Query, int, error) {
	var q online.Query
	to, err := timeParam(c, "to", now)
	if err != nil {
		return q, 0, err
	}
	from, err := timeParam(c, "from", to.Add(-defaultOnlineWindow))
	if err != nil {
		return q, 0, err
	}
	switch {
	case !from.Before(to):
		return q, 0, recd.Invalid("from", "must be before to")
	case to.Sub(from) > maxOnlineWindow:
		return q, 0, recd.Invalid("from", fmt.Sprintf("the window from..to may span at most %v (90 days)", maxOnlineWindow))
	}
	q.From, q.To = from, to
	q.GroupBy = c.Query("group_by")
	if _, err := online.ParseGroupBy(q.GroupBy); err != nil {
		return q, 0, err
	}
	q.Experiment = c.Query("experiment")
	k, err := intParam(c, "k", online.DefaultOptions().K, 1, online.MaxK)
	return q, k, err
}

// timeParam reads a time given as RFC 3339 or as Unix seconds, def when absent.
func timeParam(c *gin.Context, name string, def time.Time) (time.Time, error) {
	v, ok := c.GetQuery(name)
	if !ok || v == "" {
		return def, nil
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 || secs > maxUnixSeconds {
			return time.Time{}, recd.Invalid(name, "Unix seconds must be between 0 and 1e11")
		}
		return time.Unix(secs, 0).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, recd.Invalid(name, fmt.Sprintf("must be an RFC 3339 time or Unix seconds, not %q", truncate(v, 40)))
	}
	return t.UTC(), nil
}

// onlineMetricsSchemas are the answer of GET /v1/metrics/online.
func onlineMetricsSchemas() map[string]any {
	rate := described(num, "in [0, 1]")
	opt := func(desc string) map[string]any { return described(num, desc) }
	return map[string]any{
		"OnlineMetrics": obj(map[string]any{"from": dtime, "to": dtime, "group_by": str, "experiment": str,
			"k": integ, "truncated": described(boolT, "the window held more lists than one answer reads; scanned_to says where it stopped"),
			"scanned_to":     dtime,
			"skipped_events": described(integ, "clicks or conversions naming a list of the window but an item it did not show or another user's list"),
			"groups":         arrOf("OnlineGroup"),
			"largest_gap": described(map[string]any{"type": "object", "additionalProperties": ref("OnlineGap")},
				"with group_by=user.<attribute>: per metric, the highest and lowest group of at least 30 lists")},
			"from", "to", "group_by", "k", "truncated", "skipped_events", "groups"),
		"OnlineGroup": obj(map[string]any{"group": str, "impressions": described(integ, "lists served"),
			"impressed_items": integ, "users": described(integ, "distinct users (sessions for anonymous lists)"),
			"clicks": integ, "conversions": integ,
			"ctr_at_k": described(num, "clicks on positions below k over the items shown there"), "ctr": rate,
			"click_rate": described(num, "share of lists with a click"), "conversion_rate": described(num, "share of lists with a conversion"),
			"mrr":            described(num, "mean over lists of 1/(1+position of the first click), 0 without one"),
			"position_ctr":   described(map[string]any{"type": "array", "items": num}, "click-through by position 0..k-1"),
			"distinct_items": integ, "coverage": opt("distinct items over the catalog's size"),
			"novelty":           opt("mean -log2 of an item's share of the serving model's users"),
			"model_age_seconds": opt("mean age of the serving model when a list was served"),
			"new_items_day":     opt("share of item slots whose item was added less than a day before serving"),
			"new_items_week":    opt("share of item slots whose item was added less than a week before serving")},
			"group", "impressions", "impressed_items", "users", "clicks", "conversions", "ctr_at_k", "ctr", "click_rate",
			"conversion_rate", "mrr", "position_ctr", "distinct_items"),
		"OnlineGap": obj(map[string]any{"highest": str, "high": num, "lowest": str, "low": num, "gap": num,
			"p_value": described(num, "two-sided, delta method over the two groups' users (ratio metrics only)")},
			"highest", "high", "lowest", "low", "gap"),
	}
}
