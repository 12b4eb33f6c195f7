// Package online folds the served lists (impressions) of a time window and the events attributed to them into online metrics per group (variant, strategy, model version, route or a user attribute), with the per-unit tallies experiment reports compare.
package online

import (
	"fmt"
	"strings"
	"time"

	"github.com/recd/recd"
)

// Options configure a fold. Zero fields take DefaultOptions' values.
type Options struct {
	// ClickTypes and ConversionTypes are the event types counted as clicks and conversions
	// (default ["click"] and ["purchase"]). An event counts only when it is attributed to a
	// list of the window, to an item that list showed, by the list's own user.
	ClickTypes      []string
	ConversionTypes []string
	// K is the cut for CTR@k and the length of the position curve (default 10, at most 100).
	K int
	// MaxGroups is how many groups a report keeps, the largest by lists; the rest are folded
	// into the group "other" (default 50).
	MaxGroups int
	// MaxImpressions bounds the lists one fold reads (default 1,000,000, about 100 MB at
	// most); a window with more is cut there and the result says Truncated.
	MaxImpressions int
	// MaxEvents bounds the attributed events one fold reads (default 5,000,000).
	MaxEvents int
	// EventLag is how long after the window's end events are still read, so that a click on
	// one of its last lists counts (default 1h).
	EventLag time.Duration
	// MinGapLists is how many lists a group needs to take part in a user-attribute
	// grouping's largest-gap audit (default 30): smaller groups' rates are too noisy to rank.
	MinGapLists int64
}

// Limits on Options that Validate enforces.
const (
	MaxK         = 100
	maxGroupsCap = 1000
	// maxRawGroups bounds the distinct group values a fold tracks before the cut to
	// MaxGroups; values beyond it go straight to "other".
	maxRawGroups = 10000
)

// DefaultOptions returns the defaults.
func DefaultOptions() Options {
	return Options{ClickTypes: []string{recd.EventClick}, ConversionTypes: []string{recd.EventPurchase},
		K: 10, MaxGroups: 50, MaxImpressions: 1_000_000, MaxEvents: 5_000_000, EventLag: time.Hour, MinGapLists: 30}
}

// WithDefaults fills the zero fields.
func (o Options) WithDefaults() Options {
	d := DefaultOptions()
	if o.ClickTypes == nil {
		o.ClickTypes = d.ClickTypes
	}
	if o.ConversionTypes == nil {
		o.ConversionTypes = d.ConversionTypes
	}
	if o.K == 0 {
		o.K = d.K
	}
	if o.MaxGroups == 0 {
		o.MaxGroups = d.MaxGroups
	}
	if o.MaxImpressions == 0 {
		o.MaxImpressions = d.MaxImpressions
	}
	if o.MaxEvents == 0 {
		o.MaxEvents = d.MaxEvents
	}
	if o.EventLag == 0 {
		o.EventLag = d.EventLag
	}
	if o.MinGapLists == 0 {
		o.MinGapLists = d.MinGapLists
	}
	return o
}

// Validate checks the options after defaults, naming the field at fault.
func (o Options) Validate() error {
	switch {
	case o.K < 1 || o.K > MaxK:
		return recd.Invalid("k", fmt.Sprintf("must be in 1..%d", MaxK))
	case o.MaxGroups < 1 || o.MaxGroups > maxGroupsCap:
		return recd.Invalid("max_groups", fmt.Sprintf("must be in 1..%d", maxGroupsCap))
	case o.MaxImpressions < 1 || o.MaxEvents < 1:
		return recd.Invalid("max_impressions", "bounds must be positive")
	case o.EventLag < 0:
		return recd.Invalid("event_lag", "must not be negative")
	}
	for _, t := range o.ClickTypes {
		for _, u := range o.ConversionTypes {
			if strings.TrimSpace(t) == strings.TrimSpace(u) {
				return recd.Invalid("conversion_types", fmt.Sprintf("%q is also a click type", t))
			}
		}
	}
	return nil
}

// Group-by dimensions. A user attribute is "user." followed by its name.
const (
	ByNone         = ""
	ByVariant      = "variant"
	ByStrategy     = "strategy"
	ByModelVersion = "model_version"
	ByRoute        = "route"
	ByUserPrefix   = "user."
)

// Group names a fold gives beside the dimension's own values.
const (
	GroupAll       = "all"       // ByNone's one group
	GroupNone      = "none"      // the list carries no value (no experiment, say)
	GroupOther     = "other"     // the groups past MaxGroups, or past maxRawGroups values
	GroupAnonymous = "anonymous" // a user-attribute grouping's lists served to no user
	GroupUnknown   = "unknown"   // a user without the attribute (or deleted since)
)

// maxAttrName bounds the attribute name of a user.<attribute> grouping.
const maxAttrName = 128

// ParseGroupBy checks a group-by dimension and returns the user attribute it names ("" for
// the others).
func ParseGroupBy(s string) (attr string, err error) {
	switch s {
	case ByNone, ByVariant, ByStrategy, ByModelVersion, ByRoute:
		return "", nil
	}
	if a, ok := strings.CutPrefix(s, ByUserPrefix); ok && a != "" && len(a) <= maxAttrName {
		return a, nil
	}
	return "", recd.Invalid("group_by", "must be variant, strategy, model_version, route or user.<attribute> (at most 128 characters)")
}
