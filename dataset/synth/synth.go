// Package synth generates synthetic recommendation data sets (a catalog with text and events
// that follow users' latent tastes) in recd's JSON-lines import format, deterministically for
// a seed and streaming with memory that does not grow with the number of events.
package synth

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Exponents of the power laws, fitted to the bundled MovieLens latest-small ratings by the
// discrete maximum-likelihood (Hill) estimator, alpha = 1 + n / sum(ln(x / (xmin - 0.5))), of
// the density p(x) ~ x^-alpha (TestExponents_FitMovieLens recomputes them):
//   - ItemAlpha: ratings per item, xmin 1: 1.51 over 9,724 items.
//   - UserAlpha: ratings per user, xmin 20 (MovieLens keeps users with 20 ratings or more):
//     1.68 over 610 users.
const (
	ItemAlpha = 1.51
	UserAlpha = 1.68
)

// Options say what to generate. Users, Items and Events are exact counts.
type Options struct {
	Users, Items int
	Events       int64
	Seed         uint64
	// NewItems is the share of the catalog that gets no event (new items), in [0, 0.5].
	NewItems float64
	// Topics is the number of latent tastes (categories), 2 to len(topicNames).
	Topics int
	// InTaste is the share of a user's events drawn from their own tastes; the rest follow
	// global popularity.
	InTaste float64
	// Implicit makes view/like/purchase events instead of MovieLens-style ratings.
	Implicit bool
	// Start and Span are the period the events fall in.
	Start time.Time
	Span  time.Duration
	// SessionLen is the mean number of events of a session; SessionGap the mean time between
	// two sessions of a user, EventGap the mean time between two events of a session.
	SessionLen           float64
	SessionGap, EventGap time.Duration
}

// Preset returns the named shape: "ml20m" (the shape of MovieLens 20M: 138,493 users, 27,278
// items, 20,000,263 ratings) or "large" (1M users, 200k items, 100M implicit events).
func Preset(name string) (Options, error) {
	o := Options{NewItems: 0.05, Topics: 18, InTaste: 0.8, SessionLen: 8,
		SessionGap: 5 * 24 * time.Hour, EventGap: 90 * time.Second,
		Start: time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC), Span: 5 * 365 * 24 * time.Hour}
	switch name {
	case "ml20m":
		o.Users, o.Items, o.Events = 138493, 27278, 20000263
	case "large":
		o.Users, o.Items, o.Events, o.Implicit = 1000000, 200000, 100000000, true
	default:
		return Options{}, fmt.Errorf("unknown preset %q (ml20m, large)", name)
	}
	return o, nil
}

// MinItems is the smallest catalog Scale leaves: a scaled-down catalog must still hold the
// distinct items its users' histories need.
const MinItems = 1000

// Scale returns o with events set to n and users and items scaled in proportion (items never
// fewer than MinItems, users never fewer than 10).
func (o Options) Scale(n int64) Options {
	f := float64(n) / float64(o.Events)
	o.Users = max(10, int(math.Round(float64(o.Users)*f)))
	o.Items = max(min(MinItems, o.Items), int(math.Round(float64(o.Items)*f)))
	o.Events = n
	return o
}

// Validate checks the options, and that the events fit: a user has at most MaxUserShare of
// the items with events in their history.
func (o Options) Validate() error {
	switch {
	case o.Users < 1 || o.Users > 100_000_000:
		return errors.New("users must be between 1 and 100,000,000")
	case o.Items < 2 || o.Items > 100_000_000:
		return errors.New("items must be between 2 and 100,000,000")
	case o.Events < 1 || o.Events > 10_000_000_000:
		return errors.New("events must be between 1 and 10,000,000,000")
	case o.NewItems < 0 || o.NewItems > 0.5:
		return errors.New("new item share must be between 0 and 0.5")
	case o.Topics < 2 || o.Topics > len(topicNames):
		return fmt.Errorf("topics must be between 2 and %d", len(topicNames))
	case o.InTaste < 0 || o.InTaste > 1:
		return errors.New("in-taste share must be between 0 and 1")
	case o.SessionLen < 1 || o.SessionGap <= 0 || o.EventGap <= 0 || o.Span <= 0:
		return errors.New("session length, gaps and span must be positive")
	}
	if most := int64(o.Users) * int64(o.maxPerUser()); o.Events > most {
		return fmt.Errorf("%d events do not fit: %d users hold at most %d distinct items each (%d in all); "+
			"give fewer events or more items", o.Events, o.Users, o.maxPerUser(), most)
	}
	return nil
}

// MaxUserShare is the largest share of the catalog's items with events one user's history
// holds (MovieLens' most active users rated about a third of the movies).
const MaxUserShare = 0.3

func (o Options) activeItems() int { return max(1, o.Items-int(float64(o.Items)*o.NewItems)) }

func (o Options) maxPerUser() int { return max(1, int(MaxUserShare*float64(o.activeItems()))) }
