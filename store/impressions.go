package store

import (
	"context"
	"time"
)

// Impression is one served list, as recd recorded it: which list (its recommendation id),
// for whom, what it showed and how it was made.
type Impression struct {
	// ID is the list's recommendation id (unique, sortable by time).
	ID string
	// UserID is the user the list was served to, or "" for an anonymous request; SessionID
	// the request's session ("" when none).
	UserID    string
	SessionID string
	// Route is the endpoint family that served the list: recommend, similar or query.
	Route        string
	Strategy     string
	ModelVersion string
	// Experiment and Variant name the experiment the list was served under and the unit's
	// variant ("" when none). Under an interleaving design Variant is "interleaved" and each
	// item carries the variant that contributed it.
	Experiment string
	Variant    string
	// Parent is the recommendation id of the first page when this list is a later page of
	// it ("" for a first page).
	Parent string
	// Params is the request that produced the list, in the service's own encoding (opaque to
	// the store), so a later page can rank the same way again.
	Params string
	// Items are the list's items in served order.
	Items []ImpressionItem
	// Time is when the list was served (stored with nanosecond precision, returned in UTC).
	Time time.Time
	// Features are the learned ranker's feature rows of the items, when this list was sampled
	// for feature logging (ranker.log_features); nil otherwise.
	Features *FeatureLog
}

// FeatureLog is what a learned ranker saw of a served list: the feature names in column
// order, and Rows[k] the row of the list's item k (empty when the ranker did not score it).
type FeatureLog struct {
	Names []string
	Rows  [][]float32
	// Swap is the position the ranked list's top item was moved to, swapping places with the
	// item ranked there, when the list was drawn for the propensity estimate
	// (ranker.propensity_swaps); 0 for a list served as ranked.
	Swap int
}

// ImpressionItem is one item of a served list.
type ImpressionItem struct {
	ItemID   string
	Position int // 0 for the first item
	Score    float64
	// Variant is the variant that contributed the item under an interleaving design ("" else).
	Variant string
}

// Impressions is implemented by stores that record served lists. Check for it with a type
// assertion; without it recd serves lists without recording them.
type Impressions interface {
	// PutImpressions stores a batch of impressions in one transaction (all or nothing). An
	// impression whose ID is already stored is an error wrapping recd.ErrInvalid.
	PutImpressions(ctx context.Context, imps []Impression) error
	// GetImpression returns one impression with its items, or ErrNotFound.
	GetImpression(ctx context.Context, id string) (Impression, error)
	// LatestImpressionOf returns the most recent impression served to user between since and
	// until (both included) that showed item, or ErrNotFound; its Items hold only item's entry
	// (its position and score). Only the newest lists impressions of user in that span are
	// looked at (all of them when lists <= 0), so the lookup's cost is bounded however many
	// lists the user was served: a list older than those is not found. Anonymous impressions
	// (UserID "") are never found.
	LatestImpressionOf(ctx context.Context, user, item string, since, until time.Time, lists int) (Impression, error)
	// DeleteUserImpressions deletes every impression served to user and returns how many.
	DeleteUserImpressions(ctx context.Context, user string) (int, error)
	// DeleteImpressionsBefore deletes the impressions served before t and returns how many.
	DeleteImpressionsBefore(ctx context.Context, t time.Time) (int, error)
}

// ImpressionSpans is implemented by stores that tell cheaply whether any list was served in a
// span of time. Attribution asks once for a batch before looking up each event's list, so an
// import of past events (served no list in this store) costs one query a batch, not one an
// event. Check for it with a type assertion.
type ImpressionSpans interface {
	// AnyImpressionBetween reports whether any impression, of any user, was served between
	// since and until (both included).
	AnyImpressionBetween(ctx context.Context, since, until time.Time) (bool, error)
}

// ItemEntry returns item's entry in a list's items, if the list showed it.
func ItemEntry(items []ImpressionItem, item string) (ImpressionItem, bool) {
	for _, it := range items {
		if it.ItemID == item {
			return it, true
		}
	}
	return ImpressionItem{}, false
}

// ImpressionPages is implemented by stores that find the later pages of a served list (the
// impressions whose Parent names it). Check for it with a type assertion; without it recd
// serves no next pages.
type ImpressionPages interface {
	// LaterPages returns at most limit impressions whose Parent is parent, in id order
	// (the order they were served in).
	LaterPages(ctx context.Context, parent string, limit int) ([]Impression, error)
}
