package online

import (
	"github.com/recd/recd/stats"
)

// Gap is the spread of one metric across groups: the highest and the lowest group and the
// difference. PValue, for the per-unit ratio metrics (ctr_at_k, click_rate,
// conversion_rate, mrr), is the two-sided p-value of that difference by the delta method
// over the two groups' units (stats.Compare); a small gap with a large p-value is noise.
type Gap struct {
	Highest string   `json:"highest"`
	High    float64  `json:"high"`
	Lowest  string   `json:"lowest"`
	Low     float64  `json:"low"`
	Gap     float64  `json:"gap"`
	PValue  *float64 `json:"p_value,omitempty"`
}

// gapMetric is one metric the audit ranks groups by; pairs, when set, gives its per-unit
// ratio for the significance of the gap.
type gapMetric struct {
	name  string
	value func(*Metrics) (float64, bool)
	pairs func([]UnitTally) []stats.Pair
}

var gapMetrics = []gapMetric{
	{"ctr_at_k", func(m *Metrics) (float64, bool) { return m.CTRAtK, true }, CTRPairs},
	{"click_rate", func(m *Metrics) (float64, bool) { return m.ClickRate, true }, ClickPairs},
	{"conversion_rate", func(m *Metrics) (float64, bool) { return m.ConversionRate, true }, ConversionPairs},
	{"mrr", func(m *Metrics) (float64, bool) { return m.MRR, true }, MRRPairs},
	{"coverage", func(m *Metrics) (float64, bool) { return deref(m.Coverage) }, nil},
	{"novelty", func(m *Metrics) (float64, bool) { return deref(m.Novelty) }, nil},
	{"new_items_week", func(m *Metrics) (float64, bool) { return deref(m.NewItemsWeek) }, nil},
}

func deref(p *float64) (float64, bool) {
	if p == nil {
		return 0, false
	}
	return *p, true
}

// LargestGaps returns, per metric, the highest and lowest of the groups with at least
// minLists lists, leaving out the groups that are no value of the attribute (other,
// anonymous, unknown). A metric with fewer than two such groups is absent.
func LargestGaps(groups []Group, minLists int64) map[string]Gap {
	var eligible []*Group
	for i := range groups {
		g := &groups[i]
		if g.Lists >= minLists && g.Key != GroupOther && g.Key != GroupAnonymous && g.Key != GroupUnknown {
			eligible = append(eligible, g)
		}
	}
	out := map[string]Gap{}
	for _, gm := range gapMetrics {
		var hi, lo *Group
		var hv, lv float64
		for _, g := range eligible {
			v, ok := gm.value(&g.Metrics)
			if !ok {
				continue
			}
			if hi == nil || v > hv {
				hi, hv = g, v
			}
			if lo == nil || v <= lv {
				lo, lv = g, v
			}
		}
		if hi == nil || hi == lo {
			continue
		}
		gap := Gap{Highest: hi.Key, High: hv, Lowest: lo.Key, Low: lv, Gap: hv - lv}
		if gm.pairs != nil {
			if c, err := stats.Compare(gm.pairs(lo.Units), gm.pairs(hi.Units), 0.95); err == nil {
				gap.PValue = &c.P
			}
		}
		out[gm.name] = gap
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
