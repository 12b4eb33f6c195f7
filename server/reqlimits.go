package server

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/recd/recd"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/service"
)

// This file holds the bounds of what one request may ask for, taken from service.Limits and
// checked before any work: the same table serves the GET query string and the POST body, so
// the two routes cannot drift apart.

// knobRange is the documented range of a numeric ranking knob.
type knobRange struct {
	name   string
	lo, hi float64
}

// knobRanges are the ranges of the per-request float knobs, in the order they are checked.
var knobRanges = []knobRange{
	{"diversity", 0, 1}, {"calibration", 0, 1}, {"long_tail_share", 0, 1}, {"session_weight", 0, 1},
	{"exposure_strength", 0, 10},
}

// checkRange reports v outside r (nil is absent and fine).
func (r knobRange) check(v *float64) error {
	if v != nil && !(*v >= r.lo && *v <= r.hi) {
		return recd.Invalid(r.name, paramRange{r.lo, r.hi}.message())
	}
	return nil
}

// floats returns the knobs' float fields in knobRanges' order.
func (k *knobs) floats() []**float64 {
	return []**float64{&k.Diversity, &k.Calibration, &k.LongTailShare, &k.SessionWeight, &k.ExposureStrength}
}

// listBound is one list parameter: its name in the POST body and in the GET query string,
// how many entries it may hold, how long each may be and what the entries are called.
type listBound struct {
	body, query string
	count, size func(service.Limits) int
	what        string
}

var (
	maxIDLen    = func(l service.Limits) int { return l.MaxIDLength }
	maxValueLen = func(l service.Limits) int { return l.MaxValueLength }

	excludeBound = listBound{"exclude", "exclude", func(l service.Limits) int { return l.MaxExclude }, maxIDLen, "ids"}
	catBound     = listBound{"categories", "category", func(l service.Limits) int { return l.MaxCategories }, maxValueLen, "categories"}
	exclCatBound = listBound{"exclude_categories", "exclude_category",
		func(l service.Limits) int { return l.MaxCategories }, maxValueLen, "categories"}
	filterBound  = listBound{"filters", "filter", func(l service.Limits) int { return l.MaxFilters }, maxValueLen, "conditions"}
	boostBound   = listBound{"boosts", "boost", func(l service.Limits) int { return l.MaxBoosts }, maxValueLen, "boosts"}
	contextBound = listBound{"context_items", "context_items",
		func(l service.Limits) int { return l.MaxListLength }, maxIDLen, "items"}
)

// check reports a list longer than its bound, or an entry longer than its size, naming the
// field as the route spells it.
func (b listBound) check(l service.Limits, query bool, xs []string) error {
	name := b.body
	if query {
		name = b.query
	}
	if max := b.count(l); len(xs) > max {
		return recd.Invalid(name, fmt.Sprintf("at most %d %s", max, b.what))
	}
	size := b.size(l)
	for i, x := range xs {
		if len(x) > size {
			return recd.Invalid(fmt.Sprintf("%s[%d]", name, i), fmt.Sprintf("at most %d bytes", size))
		}
	}
	return nil
}

// check bounds every list and number of the knobs; query says the knobs came from a query
// string (the fields are named as sent there).
func (k *knobs) check(l service.Limits, query bool) error {
	for i, v := range k.floats() {
		if err := knobRanges[i].check(*v); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		b  listBound
		xs []string
	}{{excludeBound, k.Exclude}, {catBound, k.Categories}, {exclCatBound, k.ExcludeCategories},
		{filterBound, k.Filters}, {boostBound, k.Boosts}} {
		if err := f.b.check(l, query, f.xs); err != nil {
			return err
		}
	}
	return nil
}

// checkBoost reports a boost factor outside [1/max, max], so that a product of boosts stays
// finite and a score can always be written as JSON.
func checkBoost(field string, b rank.Boost, max float64) error {
	if !(b.Factor >= 1/max && b.Factor <= max) {
		return recd.Invalid(field, fmt.Sprintf("factor must be between %g and %g", 1/max, max))
	}
	return nil
}

// checkN reports n outside [1, max_n].
func checkN(n int, l service.Limits) error {
	if n < 1 || n > l.MaxN {
		return recd.Invalid("n", paramRange{1, float64(l.MaxN)}.message())
	}
	return nil
}

// listParam reads a list query parameter given as repeats and/or comma-separated values, and
// stops as soon as it holds more values than b allows.
func listParam(c *gin.Context, b listBound, l service.Limits) ([]string, error) {
	var out []string
	max := b.count(l)
	for _, v := range c.QueryArray(b.query) {
		for x := range strings.SplitSeq(v, ",") {
			if x = strings.TrimSpace(x); x == "" {
				continue
			}
			if len(out) == max {
				return nil, recd.Invalid(b.query, fmt.Sprintf("at most %d %s", max, b.what))
			}
			out = append(out, x)
		}
	}
	return out, b.check(l, true, out)
}

// arrayParam reads a repeated query parameter (no comma splitting: filters and boosts may
// hold commas), bounded by b.
func arrayParam(c *gin.Context, b listBound, l service.Limits) ([]string, error) {
	xs := c.QueryArray(b.query)
	return xs, b.check(l, true, xs)
}

// scalarParams are the single-valued query parameters and the longest value each may have.
var scalarParams = []struct {
	name string
	size func(service.Limits) int
}{{"cursor", maxValueLen}, {"by", maxValueLen}, {"session_id", maxIDLen}, {"n", maxValueLen},
	{"limit", maxValueLen}, {"from", maxValueLen}, {"to", maxValueLen}, {"group_by", maxValueLen},
	{"experiment", maxIDLen}, {"k", maxValueLen}}

// boundParams is a middleware that rejects, before the body is read or any slot taken, a
// path id longer than limits.max_id_length and a scalar query parameter that is repeated or
// longer than its limit. The list parameters are bounded by their handlers (listParam).
func (s *Server) boundParams(c *gin.Context) {
	l := s.opts.Limits
	for _, p := range c.Params {
		if p.Key == "id" && len(p.Value) > l.MaxIDLength {
			fail(c, recd.Invalid("id", fmt.Sprintf("at most %d bytes", l.MaxIDLength)))
			return
		}
	}
	if c.Request.URL.RawQuery != "" {
		q := c.Request.URL.Query()
		for _, p := range scalarParams {
			vs := q[p.name]
			if len(vs) > 1 {
				fail(c, recd.Invalid(p.name, "may be given once"))
				return
			}
			if len(vs) == 1 && len(vs[0]) > p.size(l) {
				fail(c, recd.Invalid(p.name, fmt.Sprintf("at most %d bytes", p.size(l))))
				return
			}
		}
	}
	c.Next()
}

// floatParam reads an optional number query parameter within r.
func floatParam(c *gin.Context, r knobRange) (*float64, error) {
	v, ok := c.GetQuery(r.name)
	if !ok || v == "" {
		return nil, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) {
		return nil, recd.Invalid(r.name, fmt.Sprintf("must be a number, not %q", truncate(v, 32)))
	}
	return &f, r.check(&f)
}
