package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/store"
)

// This file is attribution: an event names the served list it came from, or the server finds
// the newest list that showed its item to its user.

// attributionSkew is how long after an event's timestamp a list may have been served and still
// be the event's: the client's clock may lag the server's.
const attributionSkew = time.Minute

// attribute checks and completes the attribution of a validated batch, before it is stored.
// An event with a recommendation_id must name a list this store served to its user (or to
// no user: an anonymous list) or the batch is rejected naming [i].recommendation_id; its
// position, when not given, is the item's place in that list. An event of an attributed type
// without one is attributed to the newest list served to its user within the attribution
// window before its timestamp (up to attributionSkew after it) that showed its item, if any; a failure to look is logged, not the batch's. With
// impressions off, an id of the right form is stored as given and nothing is looked up.
func (r *impressions) attribute(ctx context.Context, events []recd.Event) error {
	var wait time.Time // the batch's deadline for lists not flushed yet (getCited)
	stored := r.storedListsIn(ctx, events)
	for n := range events {
		e := &events[n]
		if e.RecommendationID != "" {
			if err := r.checkCited(ctx, n, e, &wait); err != nil {
				return err
			}
			continue
		}
		if e.Position != nil {
			return recd.Invalid(fmt.Sprintf("[%d].position", n), "needs a recommendation_id")
		}
		since, until, ok := r.lookupSpan(e)
		if !ok {
			continue
		}
		im, err := r.latestOf(ctx, e.UserID, e.ItemID, since, until, stored)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			r.log.Warn("attribute an event", "user", e.UserID, "item", e.ItemID, "err", err)
			continue
		}
		e.RecommendationID, e.Position = im.ID, positionOf(&im, e.ItemID)
	}
	return nil
}

// lookupSpan is the span in which an event without a recommendation id looks for its list,
// and whether it looks at all (impressions on, a user, an attributed type).
func (r *impressions) lookupSpan(e *recd.Event) (since, until time.Time, ok bool) {
	if r == nil || e.RecommendationID != "" || e.UserID == "" || !slices.Contains(r.opts.AttributionTypes, e.Type) {
		return time.Time{}, time.Time{}, false
	}
	return e.Timestamp.Add(-r.opts.AttributionWindow), e.Timestamp.Add(attributionSkew), true
}

// spanCheckEvents is how many events of a batch must need a list looked up before attribute
// first asks the store whether it holds any list in their span (store.ImpressionSpans).
const spanCheckEvents = 8

// storedListsIn reports whether the store may hold a list that the batch's events without a
// recommendation id could be attributed to. For a batch of spanCheckEvents such events or more
// it asks the store once whether any list was served in their span: an import of past events
// then skips the store's lookup of every event. Lists not stored yet are looked at anyway.
func (r *impressions) storedListsIn(ctx context.Context, events []recd.Event) bool {
	if r == nil {
		return true
	}
	sp, ok := r.st.(store.ImpressionSpans)
	if !ok {
		return true
	}
	var lo, hi time.Time
	k := 0
	for n := range events {
		since, until, ok := r.lookupSpan(&events[n])
		if !ok {
			continue
		}
		if k == 0 || since.Before(lo) {
			lo = since
		}
		if k == 0 || until.After(hi) {
			hi = until
		}
		k++
	}
	if k < spanCheckEvents {
		return true
	}
	served, err := sp.AnyImpressionBetween(ctx, lo, hi)
	return err != nil || served // on a failure, each event's lookup tries (and logs) as before
}

// checkCited checks event n's recommendation id against the lists served (here, or just now by
// another replica: see getCited, which wait ends at).
func (r *impressions) checkCited(ctx context.Context, n int, e *recd.Event, wait *time.Time) error {
	field := fmt.Sprintf("[%d].recommendation_id", n)
	if !validRecommendationID(e.RecommendationID) {
		return recd.Invalid(field, "is not a recommendation id (26 Crockford base32 characters)")
	}
	if r == nil {
		return nil
	}
	im, err := r.getCited(ctx, e.UserID, e.RecommendationID, wait)
	if errors.Is(err, store.ErrNotFound) {
		return recd.Invalid(field, fmt.Sprintf("names no served list (unknown, or older than the %v retention)", r.opts.Retention))
	}
	if err != nil {
		return fmt.Errorf("read the list of %s: %w", field, err)
	}
	if im.UserID != "" && im.UserID != e.UserID {
		return recd.Invalid(field, "names a list served to another user")
	}
	if e.Position == nil {
		e.Position = positionOf(&im, e.ItemID)
	}
	return nil
}

// positionOf is item's position in the list, nil when the list did not show it.
func positionOf(im *store.Impression, item string) *int {
	it, ok := store.ItemEntry(im.Items, item)
	if !ok {
		return nil
	}
	return &it.Position
}

// get returns the impression with id: one of user's recent lists, queued, being written, or
// stored.
func (r *impressions) get(ctx context.Context, user, id string) (store.Impression, error) {
	if im, ok := r.recent.get(user, id); ok {
		return im, nil
	}
	r.mu.Lock()
	for _, q := range [][]store.Impression{r.queue, r.inflight} {
		if i := slices.IndexFunc(q, func(im store.Impression) bool { return im.ID == id }); i >= 0 {
			im := q[i]
			r.mu.Unlock()
			return im, nil
		}
	}
	r.mu.Unlock()
	return r.st.GetImpression(ctx, id)
}

// latestOf returns the newest impression served to user between since and until that showed
// item: one of the user's recent lists, queued or being written (newer than anything stored),
// else stored, among the user's newest AttributionLists stored lists in the span. With stored
// false (see storedListsIn) the store is not asked.
func (r *impressions) latestOf(ctx context.Context, user, item string, since, until time.Time, stored bool) (store.Impression, error) {
	if im, ok := r.recent.latestOf(user, item, since, until); ok {
		return im, nil
	}
	r.mu.Lock()
	for _, q := range [][]store.Impression{r.queue, r.inflight} {
		for i := len(q) - 1; i >= 0; i-- {
			im := &q[i]
			if im.UserID == user && !im.Time.Before(since) && !im.Time.After(until) && positionOf(im, item) != nil {
				found := *im
				r.mu.Unlock()
				return found, nil
			}
		}
	}
	r.mu.Unlock()
	if !stored {
		return store.Impression{}, fmt.Errorf("impression of %q for %q: %w", item, user, store.ErrNotFound)
	}
	return r.st.LatestImpressionOf(ctx, user, item, since, until, r.opts.AttributionLists)
}
