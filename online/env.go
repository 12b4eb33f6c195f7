package online

import (
	"context"
	"time"
)

// Env is what a fold knows beyond the served lists and events. A nil field leaves out the
// metrics that need it: Catalog coverage and item freshness, Popularity novelty, Models
// the model's age, Users a user.<attribute> grouping (refused without it).
type Env struct {
	Catalog    Catalog
	Popularity Popularity
	Models     ModelTimes
	Users      UserAttributes
}

// Catalog is the catalog as a fold sees it.
type Catalog interface {
	// Size is the number of items in the catalog (coverage's denominator).
	Size() int
	// AddedAt is when an item entered the catalog; false when unknown.
	AddedAt(item string) (time.Time, bool)
}

// Popularity gives the share of users who interacted with an item (0 for none) and the
// floor a share is raised to (one user's share), as eval's novelty uses them.
type Popularity interface {
	Share(item string) float64
	Floor() float64
}

// ModelTimes gives when a model version was trained; false when unknown (pruned).
type ModelTimes interface {
	VersionTime(version string) (time.Time, bool)
}

// UserAttributes gives a user's attribute value as a group name, as the user is now; ok is
// false when the user is unknown or lacks the attribute.
type UserAttributes interface {
	UserAttribute(ctx context.Context, user, attr string) (value string, ok bool, err error)
}
