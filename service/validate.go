package service

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
)

// Limits bound what a client may send. Every list and string a request carries, on every
// route, has one of these bounds, checked before any work is done.
type Limits struct {
	MaxIDLength    int `json:"max_id_length" yaml:"max_id_length"`       // bytes, default 256
	MaxTextLength  int `json:"max_text_length" yaml:"max_text_length"`   // bytes of title+text, default 64 KiB
	MaxListLength  int `json:"max_list_length" yaml:"max_list_length"`   // categories or tags, context items, default 256
	MaxAttributes  int `json:"max_attributes" yaml:"max_attributes"`     // attribute keys, default 128
	MaxBatch       int `json:"max_batch" yaml:"max_batch"`               // entries per batch request, default 10000
	MaxN           int `json:"max_n" yaml:"max_n"`                       // results per request, default 200
	MaxVectorDim   int `json:"max_vector_dim" yaml:"max_vector_dim"`     // default 4096
	MaxCandidates  int `json:"max_candidates" yaml:"max_candidates"`     // candidate pool bound, default 5000
	MaxAttrNesting int `json:"max_attr_nesting" yaml:"max_attr_nesting"` // depth of attribute values, default 4

	// Request bounds of the read routes, the same on GET and POST.
	MaxFilters     int     `json:"max_filters" yaml:"max_filters"`           // filter conditions per request, default 64
	MaxBoosts      int     `json:"max_boosts" yaml:"max_boosts"`             // boosts per request, default 64
	MaxExclude     int     `json:"max_exclude" yaml:"max_exclude"`           // excluded ids per request, default 1000
	MaxCategories  int     `json:"max_categories" yaml:"max_categories"`     // categories, and exclude_categories, per request, default 256
	MaxValueLength int     `json:"max_value_length" yaml:"max_value_length"` // bytes of a category name, by, cursor, filter or boost, default 256
	MaxQueryText   int     `json:"max_query_text" yaml:"max_query_text"`     // bytes of a natural-language request, default 2000
	MaxPageSize    int     `json:"max_page_size" yaml:"max_page_size"`       // limit= on list routes, default 1000
	MaxBoostFactor float64 `json:"max_boost_factor" yaml:"max_boost_factor"` // boost factors lie in [1/this, this], default 100
}

// DefaultLimits returns the default limits.
func DefaultLimits() Limits {
	return Limits{MaxIDLength: 256, MaxTextLength: 64 << 10, MaxListLength: 256, MaxAttributes: 128,
		MaxBatch: 10000, MaxN: 200, MaxVectorDim: 4096, MaxCandidates: 5000, MaxAttrNesting: 4,
		MaxFilters: 64, MaxBoosts: 64, MaxExclude: 1000, MaxCategories: 256, MaxValueLength: 256,
		MaxQueryText: 2000, MaxPageSize: 1000, MaxBoostFactor: 100}
}

// WithDefaults returns l with every limit left zero set to its default.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits()
	for _, f := range []struct{ v, def *int }{{&l.MaxIDLength, &d.MaxIDLength}, {&l.MaxTextLength, &d.MaxTextLength},
		{&l.MaxListLength, &d.MaxListLength}, {&l.MaxAttributes, &d.MaxAttributes}, {&l.MaxBatch, &d.MaxBatch},
		{&l.MaxN, &d.MaxN}, {&l.MaxVectorDim, &d.MaxVectorDim}, {&l.MaxCandidates, &d.MaxCandidates},
		{&l.MaxAttrNesting, &d.MaxAttrNesting}, {&l.MaxFilters, &d.MaxFilters}, {&l.MaxBoosts, &d.MaxBoosts},
		{&l.MaxExclude, &d.MaxExclude}, {&l.MaxCategories, &d.MaxCategories}, {&l.MaxValueLength, &d.MaxValueLength},
		{&l.MaxQueryText, &d.MaxQueryText}, {&l.MaxPageSize, &d.MaxPageSize}} {
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	if l.MaxBoostFactor == 0 {
		l.MaxBoostFactor = d.MaxBoostFactor
	}
	return l
}

// Validate reports a limit that is not positive, naming its YAML key.
func (l Limits) Validate() error {
	for _, f := range []struct {
		name string
		v    int
	}{{"max_id_length", l.MaxIDLength}, {"max_n", l.MaxN}, {"max_batch", l.MaxBatch},
		{"max_list_length", l.MaxListLength}, {"max_filters", l.MaxFilters}, {"max_boosts", l.MaxBoosts},
		{"max_exclude", l.MaxExclude}, {"max_categories", l.MaxCategories}, {"max_value_length", l.MaxValueLength},
		{"max_query_text", l.MaxQueryText}, {"max_page_size", l.MaxPageSize}} {
		if f.v < 1 {
			return recd.Invalid(f.name, "must be at least 1")
		}
	}
	if !(l.MaxBoostFactor >= 1 && l.MaxBoostFactor <= 1e6) {
		return recd.Invalid("max_boost_factor", "must be between 1 and 1e6")
	}
	return nil
}

var typeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// ValidateID is the one rule for item, user and session ids, wherever they arrive: in a path,
// a body or an event. An id must be 1 to MaxIDLength bytes of valid UTF-8 that a client can
// send back and an operator can read: not "." or ".." (which URL clients rewrite away), and
// only visible characters, so no spaces, '/', control or format characters (bidirectional
// overrides such as U+202E, zero-width characters), default-ignorable characters (variation
// selectors, fillers), private-use or unassigned code points, and no U+FFFD, the character a
// lossy decoder puts where a client sent bytes that were not UTF-8 (two different ids would
// collide on it). The error names field.
func (l Limits) ValidateID(field, id string) error {
	switch {
	case id == "":
		return recd.Invalid(field, "is required")
	case len(id) > l.MaxIDLength:
		return recd.Invalid(field, fmt.Sprintf("is longer than %d bytes", l.MaxIDLength))
	case !utf8.ValidString(id):
		return recd.Invalid(field, "is not valid UTF-8")
	case id == "." || id == "..":
		return recd.Invalid(field, fmt.Sprintf("must not be %q", id))
	}
	for _, r := range id {
		if !idRune(r) {
			return recd.Invalid(field, fmt.Sprintf("must not contain %U: ids are visible characters without spaces or '/'", r))
		}
	}
	return nil
}

// idRune reports whether r may appear in an id (see ValidateID).
func idRune(r rune) bool {
	switch {
	case r == '/' || r == utf8.RuneError:
		return false
	case !unicode.IsGraphic(r) || unicode.IsSpace(r): // IsGraphic excludes Cc, Cf, Co, Cs and unassigned
		return false
	case unicode.In(r, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector):
		return false
	}
	return true
}

// validID is ValidateID under the name the service's own call sites use.
func (l Limits) validID(field, id string) error { return l.ValidateID(field, id) }

func (l Limits) validText(field, s string, max int) error {
	if !utf8.ValidString(s) {
		return recd.Invalid(field, "is not valid UTF-8")
	}
	if len(s) > max {
		return recd.Invalid(field, fmt.Sprintf("is longer than %d bytes", max))
	}
	return nil
}

func (l Limits) validList(field string, xs []string) error {
	if len(xs) > l.MaxListLength {
		return recd.Invalid(field, fmt.Sprintf("has more than %d entries", l.MaxListLength))
	}
	for i, x := range xs {
		f := fmt.Sprintf("%s[%d]", field, i)
		if strings.TrimSpace(x) == "" {
			return recd.Invalid(f, "is empty")
		}
		if err := l.validText(f, x, 256); err != nil {
			return err
		}
	}
	return nil
}

func (l Limits) validAttrs(field string, attrs map[string]any) error {
	if len(attrs) > l.MaxAttributes {
		return recd.Invalid(field, fmt.Sprintf("has more than %d keys", l.MaxAttributes))
	}
	for k, v := range attrs {
		f := field + "." + k
		if !typeRE.MatchString(strings.ToLower(k)) {
			return recd.Invalid(f, "attribute names must be identifiers (letters, digits, '_')")
		}
		if err := l.validValue(f, v, 0); err != nil {
			return err
		}
	}
	return nil
}

func (l Limits) validValue(field string, v any, depth int) error {
	if depth > l.MaxAttrNesting {
		return recd.Invalid(field, "is nested too deeply")
	}
	switch x := v.(type) {
	case nil, bool:
	case string:
		return l.validText(field, x, 4096)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return recd.Invalid(field, "is not a finite number")
		}
	case int, int64:
	case []any:
		if len(x) > l.MaxListLength {
			return recd.Invalid(field, fmt.Sprintf("has more than %d entries", l.MaxListLength))
		}
		for i, e := range x {
			if err := l.validValue(fmt.Sprintf("%s[%d]", field, i), e, depth+1); err != nil {
				return err
			}
		}
	case map[string]any:
		if len(x) > l.MaxAttributes {
			return recd.Invalid(field, fmt.Sprintf("has more than %d keys", l.MaxAttributes))
		}
		for k, e := range x {
			if err := l.validValue(field+"."+k, e, depth+1); err != nil {
				return err
			}
		}
	default:
		return recd.Invalid(field, fmt.Sprintf("has an unsupported type %T", v))
	}
	return nil
}

// ValidateItem checks an item as a client sent it; field names are prefixed with prefix.
func (l Limits) ValidateItem(prefix string, it *recd.Item) error {
	if err := l.ValidateID(prefix+"id", it.ID); err != nil {
		return err
	}
	if err := l.validText(prefix+"title", it.Title, l.MaxTextLength); err != nil {
		return err
	}
	if err := l.validText(prefix+"text", it.Text, l.MaxTextLength); err != nil {
		return err
	}
	if err := l.validList(prefix+"categories", it.Categories); err != nil {
		return err
	}
	if err := l.validList(prefix+"tags", it.Tags); err != nil {
		return err
	}
	if err := l.validAttrs(prefix+"attributes", it.Attributes); err != nil {
		return err
	}
	for name, v := range it.Vectors {
		f := prefix + "vectors." + name
		if !index.ValidSpaceName(name) {
			return recd.Unprocessable(f, "vector space names must be plain identifiers (a letter, then letters, digits or '_', at most 64)")
		}
		if len(v) == 0 {
			return recd.Unprocessable(f, "is empty")
		}
		if len(v) > l.MaxVectorDim {
			return recd.Unprocessable(f, fmt.Sprintf("has more than %d dimensions", l.MaxVectorDim))
		}
		for i, x := range v {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return recd.Unprocessable(fmt.Sprintf("%s[%d]", f, i), "is not a finite number")
			}
		}
	}
	return nil
}

// Event timestamp bounds by default: no later than five minutes after the server's clock, no
// earlier than the Unix epoch.
const DefaultMaxFutureSkew = 5 * time.Minute

// DefaultMinTimestamp is the earliest event timestamp accepted by default.
var DefaultMinTimestamp = time.Unix(0, 0).UTC()

// TimeBounds are the event timestamps a write accepts: from Min up to the server's clock plus
// MaxFutureSkew.
type TimeBounds struct {
	Min           time.Time
	MaxFutureSkew time.Duration
}

// check reports ts outside the bounds at now, with one message for every out-of-range value.
func (b TimeBounds) check(field string, ts, now time.Time) error {
	if ts.Before(b.Min) || ts.After(now.Add(b.MaxFutureSkew)) {
		return recd.Invalid(field, fmt.Sprintf("is out of range: events must be dated from %s to %s after the server's clock",
			b.Min.UTC().Format(time.RFC3339), b.MaxFutureSkew))
	}
	return nil
}

// ValidateEvent checks an event as a client sent it; a timestamp it carries must lie within
// times at now (a zero timestamp means "now" and is not checked).
func (l Limits) ValidateEvent(prefix string, e *recd.Event, times TimeBounds, now time.Time) error {
	if err := l.ValidateID(prefix+"user_id", e.UserID); err != nil {
		return err
	}
	if err := l.ValidateID(prefix+"item_id", e.ItemID); err != nil {
		return err
	}
	if e.Type == "" {
		return recd.Invalid(prefix+"type", "is required")
	}
	if !typeRE.MatchString(e.Type) {
		return recd.Invalid(prefix+"type", "must be a lowercase identifier such as view, click, purchase or rating")
	}
	if math.IsNaN(e.Value) || math.IsInf(e.Value, 0) || math.Abs(e.Value) > 1e9 {
		return recd.Invalid(prefix+"value", "must be a finite number within ±1e9")
	}
	if e.Type == recd.EventRating && e.Value == 0 {
		return recd.Invalid(prefix+"value", "a rating event needs a value")
	}
	if e.SessionID != "" {
		if err := l.ValidateID(prefix+"session_id", e.SessionID); err != nil {
			return err
		}
	}
	if !e.Timestamp.IsZero() {
		return times.check(prefix+"timestamp", e.Timestamp, now)
	}
	return nil
}
