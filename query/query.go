// Package query turns natural-language requests into structured queries (a built-in
// rule-based parser over the catalog's vocabulary, or an OpenAI-compatible LLM with the
// built-in parser as fallback) and turns ranking reasons back into prose explanations.
package query

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/recd/recd"
	"github.com/recd/recd/cond"
)

// Bounds applied by Query.Clamp and checked by Query.Validate.
const (
	MaxCount      = 100  // largest count hint
	MaxLiked      = 10   // liked items kept
	MaxTerms      = 20   // categories, tags and keywords kept per list
	MaxConditions = 10   // attribute conditions kept
	MaxTermLen    = 100  // runes per category, tag, keyword, title or condition value
	MaxFreeText   = 500  // runes of free text
	MinYear       = 1000 // earliest year accepted in a year range
	MaxYear       = 3000 // latest year accepted in a year range
)

// Liked is an item the request refers to as an example ("like Amelie").
type Liked struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// Condition is a constraint on one item attribute, e.g. {"year", "gte", 1990}: a
// cond.Condition, evaluated with package cond's semantics like every other filter. A query
// narrows it: Op is one of eq, ne, lt, lte, gt, gte; Value is a number, string or bool.
type Condition = cond.Condition

// Query is the structured form of a request. The zero value asks for nothing in particular.
//
// Categories are "at least one of" (an item matching any is wanted); ExcludeCategories and
// ExcludeTags are hard exclusions. Tags are catalog tags the request mentions positively, a
// preference rather than a filter because tags are sparse. Keywords are the remaining content
// terms (tags included) and FreeText is the same content as one string for the content vectors.
// YearMin and YearMax are inclusive; 0 means unbounded. Diversity is a hint in [0, 1] (nil: no
// hint) and Count a hint in [1, MaxCount] (0: no hint).
type Query struct {
	Liked             []Liked     `json:"liked,omitempty"`
	Categories        []string    `json:"categories,omitempty"`
	ExcludeCategories []string    `json:"exclude_categories,omitempty"`
	Tags              []string    `json:"tags,omitempty"`
	ExcludeTags       []string    `json:"exclude_tags,omitempty"`
	Keywords          []string    `json:"keywords,omitempty"`
	FreeText          string      `json:"free_text,omitempty"`
	YearMin           int         `json:"year_min,omitempty"`
	YearMax           int         `json:"year_max,omitempty"`
	Conditions        []Condition `json:"conditions,omitempty"`
	Diversity         *float64    `json:"diversity,omitempty"`
	Count             int         `json:"count,omitempty"`
}

// Empty reports whether q constrains nothing.
func (q *Query) Empty() bool {
	return len(q.Liked) == 0 && len(q.Categories) == 0 && len(q.ExcludeCategories) == 0 &&
		len(q.Tags) == 0 && len(q.ExcludeTags) == 0 && len(q.Keywords) == 0 && q.FreeText == "" &&
		q.YearMin == 0 && q.YearMax == 0 && len(q.Conditions) == 0 && q.Diversity == nil && q.Count == 0
}

var fieldRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]{0,63}$`)

var validOps = map[string]bool{cond.Eq: true, cond.Ne: true, cond.Lt: true, cond.Lte: true, cond.Gt: true, cond.Gte: true}

// Validate reports the first field that breaks the bounds Clamp enforces, as a
// recd.Invalid field error. Use it on structured queries sent by clients.
func (q *Query) Validate() error {
	switch {
	case len(q.Liked) > MaxLiked:
		return recd.Invalid("query.liked", fmt.Sprintf("at most %d items", MaxLiked))
	case q.Count < 0 || q.Count > MaxCount:
		return recd.Invalid("query.count", fmt.Sprintf("must be between 1 and %d", MaxCount))
	case q.Diversity != nil && (math.IsNaN(*q.Diversity) || *q.Diversity < 0 || *q.Diversity > 1):
		return recd.Invalid("query.diversity", "must be between 0 and 1")
	case q.YearMin != 0 && (q.YearMin < MinYear || q.YearMin > MaxYear):
		return recd.Invalid("query.year_min", fmt.Sprintf("must be between %d and %d", MinYear, MaxYear))
	case q.YearMax != 0 && (q.YearMax < MinYear || q.YearMax > MaxYear):
		return recd.Invalid("query.year_max", fmt.Sprintf("must be between %d and %d", MinYear, MaxYear))
	case q.YearMin != 0 && q.YearMax != 0 && q.YearMin > q.YearMax:
		return recd.Invalid("query.year_min", "must not exceed year_max")
	case len(q.Conditions) > MaxConditions:
		return recd.Invalid("query.conditions", fmt.Sprintf("at most %d conditions", MaxConditions))
	case utf8.RuneCountInString(q.FreeText) > MaxFreeText:
		return recd.Invalid("query.free_text", fmt.Sprintf("at most %d characters", MaxFreeText))
	}
	for i, l := range q.Liked {
		if l.ID == "" || utf8.RuneCountInString(l.ID) > MaxTermLen || utf8.RuneCountInString(l.Title) > MaxTermLen*3 {
			return recd.Invalid(fmt.Sprintf("query.liked[%d]", i), "needs an id of at most 100 characters")
		}
	}
	lists := []struct {
		name string
		v    []string
	}{{"categories", q.Categories}, {"exclude_categories", q.ExcludeCategories}, {"tags", q.Tags},
		{"exclude_tags", q.ExcludeTags}, {"keywords", q.Keywords}}
	for _, l := range lists {
		if len(l.v) > MaxTerms {
			return recd.Invalid("query."+l.name, fmt.Sprintf("at most %d entries", MaxTerms))
		}
		for i, s := range l.v {
			if strings.TrimSpace(s) == "" || utf8.RuneCountInString(s) > MaxTermLen {
				return recd.Invalid(fmt.Sprintf("query.%s[%d]", l.name, i), "must be 1 to 100 characters")
			}
		}
	}
	for i, c := range q.Conditions {
		if err := validCondition(c); err != nil {
			return recd.Invalid(fmt.Sprintf("query.conditions[%d]", i), err.Error())
		}
	}
	return nil
}

// validCondition checks the narrower form a query's condition takes.
func validCondition(c Condition) error {
	if !fieldRE.MatchString(c.Field) {
		return fmt.Errorf("field must be an identifier")
	}
	if !validOps[c.Op] {
		return fmt.Errorf("op must be one of eq, ne, lt, lte, gt, gte")
	}
	switch v := c.Value.(type) {
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("value must be finite")
		}
	case int, bool:
	case string:
		if utf8.RuneCountInString(v) > MaxTermLen {
			return fmt.Errorf("value too long")
		}
		if c.Op != "eq" && c.Op != "ne" {
			return fmt.Errorf("ordering ops need a number")
		}
	default:
		return fmt.Errorf("value must be a number, string or bool")
	}
	return nil
}

// Clamp brings every field within bounds, as the server does for client input: strings are
// trimmed and cut, lists deduplicated (case-insensitively) and cut, count and diversity
// clamped, years clamped and ordered, and invalid conditions or liked items dropped.
// After Clamp, Validate returns nil.
func (q *Query) Clamp() {
	liked := q.Liked[:0:0]
	seen := map[string]bool{}
	for _, l := range q.Liked {
		l.ID = strings.TrimSpace(l.ID)
		if l.ID == "" || seen[l.ID] || utf8.RuneCountInString(l.ID) > MaxTermLen || len(liked) == MaxLiked {
			continue
		}
		seen[l.ID] = true
		l.Title = cut(strings.TrimSpace(l.Title), MaxTermLen*3)
		liked = append(liked, l)
	}
	q.Liked = nilIfEmpty(liked)
	q.Categories = clampList(q.Categories)
	q.ExcludeCategories = clampList(q.ExcludeCategories)
	q.Tags = clampList(q.Tags)
	q.ExcludeTags = clampList(q.ExcludeTags)
	q.Keywords = clampList(q.Keywords)
	q.FreeText = cut(strings.Join(strings.Fields(q.FreeText), " "), MaxFreeText)
	q.YearMin, q.YearMax = clampYear(q.YearMin), clampYear(q.YearMax)
	if q.YearMin != 0 && q.YearMax != 0 && q.YearMin > q.YearMax {
		q.YearMin, q.YearMax = q.YearMax, q.YearMin
	}
	conds := q.Conditions[:0:0]
	for _, c := range q.Conditions {
		c.Field, c.Op = strings.TrimSpace(c.Field), strings.ToLower(strings.TrimSpace(c.Op))
		if n, ok := c.Value.(int); ok {
			c.Value = float64(n)
		}
		if validCondition(c) == nil && len(conds) < MaxConditions {
			conds = append(conds, c)
		}
	}
	q.Conditions = nilIfEmpty(conds)
	if q.Diversity != nil {
		d := *q.Diversity
		switch {
		case math.IsNaN(d):
			q.Diversity = nil
		default:
			d = math.Max(0, math.Min(1, d))
			q.Diversity = &d
		}
	}
	q.Count = max(0, min(MaxCount, q.Count))
}

func clampYear(y int) int {
	if y == 0 {
		return 0
	}
	return max(MinYear, min(MaxYear, y))
}

func clampList(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range in {
		s = cut(strings.Join(strings.Fields(s), " "), MaxTermLen)
		k := strings.ToLower(s)
		if s == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, s)
		if len(out) == MaxTerms {
			break
		}
	}
	return out
}

func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n]))
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}
