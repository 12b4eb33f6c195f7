package eval

import (
	"cmp"
	"slices"
	"strings"

	"github.com/recd/recd/stats"
)

// Group names beside an attribute's own values.
const (
	GroupUnknown = "unknown" // a test user without the attribute
	GroupOther   = "other"   // the groups past MaxUserGroups
)

// MaxUserGroups is how many user groups a report keeps, the largest by users; the rest are
// summed as "other".
const MaxUserGroups = 50

// GroupReport is the fairness audit of an evaluation: each user group's mean per-user
// metrics for every model, and per metric the largest gap between groups.
type GroupReport struct {
	// By is the grouping, "user.<attribute>"; MinUsers the size a group needs to be ranked.
	By       string        `json:"by"`
	MinUsers int           `json:"min_users"`
	Models   []ModelGroups `json:"models"`
}

// ModelGroups is one model's groups and gaps.
type ModelGroups struct {
	Model  string      `json:"model"`
	Groups []UserGroup `json:"groups"`
	// LargestGap holds, per metric, the highest and lowest group of at least MinUsers users
	// (unknown and other left out) and the two-sided p-value of their difference in means
	// (normal approximation, stats.Compare over the users' values).
	LargestGap map[string]GroupGap `json:"largest_gap,omitempty"`
}

// UserGroup is one group's test users and their mean metrics.
type UserGroup struct {
	Group   string             `json:"group"`
	Users   int                `json:"users"`
	Metrics map[string]float64 `json:"metrics"`
	values  map[string][]float64
}

// GroupGap is the spread of one metric between groups.
type GroupGap struct {
	Highest string   `json:"highest"`
	High    float64  `json:"high"`
	Lowest  string   `json:"lowest"`
	Low     float64  `json:"low"`
	Gap     float64  `json:"gap"`
	PValue  *float64 `json:"p_value,omitempty"`
}

// GroupBy splits a result's per-user metrics by the group each user is in (a user missing
// from groupOf is GroupUnknown) and finds each metric's largest gap among the groups of at
// least minUsers users.
func GroupBy(res *Result, groupOf map[string]string, minUsers int) ModelGroups {
	byKey := map[string]*UserGroup{}
	for _, ur := range res.PerUser {
		key, ok := groupOf[ur.User]
		if !ok {
			key = GroupUnknown
		}
		g := byKey[key]
		if g == nil {
			g = &UserGroup{Group: key, values: map[string][]float64{}}
			byKey[key] = g
		}
		g.Users++
		for m, v := range ur.Metrics {
			g.values[m] = append(g.values[m], v)
		}
	}
	groups := keepLargest(byKey)
	for i := range groups {
		g := &groups[i]
		g.Metrics = map[string]float64{}
		for m, vs := range g.values {
			sum := 0.0
			for _, v := range vs {
				sum += v
			}
			g.Metrics[m] = sum / float64(len(vs))
		}
	}
	return ModelGroups{Model: res.Model, Groups: groups, LargestGap: largestGaps(groups, minUsers)}
}

// keepLargest orders the groups by users (then name) and sums those past MaxUserGroups
// into GroupOther.
func keepLargest(byKey map[string]*UserGroup) []UserGroup {
	all := make([]*UserGroup, 0, len(byKey))
	for _, g := range byKey {
		all = append(all, g)
	}
	slices.SortFunc(all, func(a, b *UserGroup) int {
		return cmp.Or(cmp.Compare(b.Users, a.Users), strings.Compare(a.Group, b.Group))
	})
	other := &UserGroup{Group: GroupOther, values: map[string][]float64{}}
	var out []UserGroup
	for _, g := range all {
		if g.Group != GroupOther && len(out) < MaxUserGroups {
			out = append(out, *g)
			continue
		}
		other.Users += g.Users
		for m, vs := range g.values {
			other.values[m] = append(other.values[m], vs...)
		}
	}
	if other.Users > 0 {
		out = append(out, *other)
	}
	return out
}

// largestGaps finds, per metric, the highest and lowest eligible group.
func largestGaps(groups []UserGroup, minUsers int) map[string]GroupGap {
	metrics := map[string]bool{}
	for _, g := range groups {
		for m := range g.Metrics {
			metrics[m] = true
		}
	}
	out := map[string]GroupGap{}
	for m := range metrics {
		var hi, lo *UserGroup
		for i := range groups {
			g := &groups[i]
			v, ok := g.Metrics[m]
			if !ok || g.Users < minUsers || g.Group == GroupUnknown || g.Group == GroupOther {
				continue
			}
			if hi == nil || v > hi.Metrics[m] {
				hi = g
			}
			if lo == nil || v <= lo.Metrics[m] {
				lo = g
			}
		}
		if hi == nil || hi == lo {
			continue
		}
		gap := GroupGap{Highest: hi.Group, High: hi.Metrics[m], Lowest: lo.Group, Low: lo.Metrics[m], Gap: hi.Metrics[m] - lo.Metrics[m]}
		if c, err := stats.Compare(ones(lo.values[m]), ones(hi.values[m]), 0.95); err == nil {
			gap.PValue = &c.P
		}
		out[m] = gap
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// ones are per-user values as ratio pairs over 1: their ratio is the mean.
func ones(vs []float64) []stats.Pair {
	out := make([]stats.Pair, len(vs))
	for i, v := range vs {
		out[i] = stats.Pair{Num: v, Den: 1}
	}
	return out
}
