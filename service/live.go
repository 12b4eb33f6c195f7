package service

import (
	"context"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/redisstate"
)

// liveState is the state that moves with every write, beside the serving snapshot: the
// catalog's metadata, users' histories and recent actions (sessions), the trending and
// exposure counters and the per-user caches (responses and candidate sources). memState keeps
// it in process; redisState keeps the part replicas share (recent actions, generations,
// trending, impressions, precomputed lists, change notifications) in Redis over a memState
// that holds the rest and answers while Redis fails. Implementations are safe for concurrent
// use.
type liveState interface {
	rank.ItemsCatalog // the live catalog's metadata

	// stats counts items, users and events; currentSeq is the newest event's Seq.
	stats() Stats
	currentSeq() int64
	// catalogItems lists the live catalog as items (metadata only), in no order.
	catalogItems() []recd.Item
	// History is a copy of a user's aggregated history; userGen the Seq of their newest event.
	History(user string) []rank.Interaction
	userGen(user string) int64

	// putItems applies stored items to the catalog and drops the answers they make stale; it
	// reports whether any replaced an item. deleteItem does the same for a delete.
	putItems(ctx context.Context, items []recd.Item) (replaced bool)
	deleteItem(ctx context.Context, id string)
	// unknownItems returns the positions of the events whose item is not in the catalog.
	unknownItems(events []recd.Event) []int
	// addEvents applies stored events (histories, sessions, counters, generations).
	addEvents(ctx context.Context, stored []recd.Event)
	// userForgetter erases a deleted user: histories, sessions, counters, caches, and in
	// Redis every key of theirs.
	userForgetter

	// viewUser is what a request knows of its user and session (either may be ""), with the
	// user's precomputed list when plain (see plainRequest); trending the top n items keep
	// accepts, with their titles.
	viewUser(ctx context.Context, user, session string, plain bool, n int) userView
	trending(ctx context.Context, n int, keep func(*rank.ItemMeta) bool) (ids []string, scores []float64, titles []string)
	// shareImpressions hands a served list's items to the other replicas' exposure counters;
	// shareRemovals tells them which decayed counts to take back (a deleted user's).
	shareImpressions(items []recd.Recommendation)
	shareRemovals(ctx context.Context, removed map[string]float64)
	// exposureCounter, responses and sourceCache are the in-process counter and caches the
	// pipeline and the read path use directly.
	exposureCounter() *rank.Exposure
	responses() *respCache
	// shareIDs replaces each model item id that the catalog holds by the catalog's own
	// string (see memState.shareIDs).
	shareIDs(ids []string)
	sourceCache() *rank.SourceCache

	// err is the shared state's last failure (nil in process); ping checks it now; origin is
	// this replica's id in notifications ("" in process). run does the background work of
	// the shared state until ctx ends (returns at once in process).
	err() error
	ping(ctx context.Context) error
	origin() string
	run(ctx context.Context, hooks sharedHooks)

	followedState
}

// followedState is what the replica follower applies to the live state: other replicas'
// catalog changes and events, read from the shared store. Item changes update the catalog
// only (the follower drops stale answers once per pass); events are applied once each,
// tracked by their Seq.
type followedState interface {
	// appliedState is how far the event log is applied: every Seq up to floor, and how many
	// numbers below the newest seen are still awaited.
	appliedState() (floor int64, pending int)
	// applyFollowed applies an event unless it was applied already; stale reports that the
	// user has a newer event, so their cached answers must go.
	applyFollowed(e *recd.Event) (applied, stale bool)
	// advanceApplied moves the floor past numbers missing for longer than grace.
	advanceApplied(grace time.Duration)
	setItems(items []recd.Item)
	dropItem(id string)
	sameItem(id string, m *rank.ItemMeta) bool
	// reapply applies a user's stored events again after the user was erased (the events
	// written after their delete), and marks them applied.
	reapply(events []recd.Event)
}

// sharedHooks connect the shared state's background work to the other parts.
type sharedHooks struct {
	changed func(redisstate.Change)                // another replica's change notification
	version func() string                          // the serving model version ("" before one)
	round   func(ctx context.Context, name string) // one precomputation round
}

// userView is what a request knows of a user and session: from Redis when configured and
// answering, from the in-process state otherwise.
type userView struct {
	// gen keys the response cache: the Redis generation, or, in-process, the newest local
	// seq (negated below -1 when Redis failed, so the two never collide).
	gen int64
	// cacheable is false while this replica's history lacks events Redis has seen.
	cacheable     bool
	user, session []rank.Action
	catalog       int64
	pre           *redisstate.Precomputed
}

// plainRequest is a request a precomputed list answers: a user's default list.
func plainRequest(req *RecommendRequest) bool {
	r := &req.Rules
	return req.UserID != "" && req.SessionID == "" && len(req.ContextItems) == 0 && req.Diversity == nil &&
		req.Calibration == nil && req.LongTailShare == nil && req.SessionWeight == nil && req.ExposureStrength == nil &&
		len(r.Exclude) == 0 && len(r.Categories) == 0 && len(r.ExcludeCategories) == 0 && len(r.Filters) == 0 &&
		len(r.Boosts) == 0 && req.Rotation == nil && req.page == nil && req.Weights == nil
}

// batchID is the id a catalog change names: the item's, or "" for a batch.
func batchID(items []recd.Item) string {
	if len(items) == 1 {
		return items[0].ID
	}
	return ""
}
