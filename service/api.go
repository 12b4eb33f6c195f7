package service

import (
	"context"

	"github.com/recd/recd"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/redisstate"
)

// This file is Service's exported API: each method hands the call to the part that owns it.

// PutItems validates and stores items (all or nothing), updates the live catalog and indexes
// their vectors: client vectors into their spaces (a space seen for the first time is created
// with the dimension of its first vector), and content vectors from the serving content
// model, so a new item has content neighbours at once. Available defaults to true in the HTTP
// layer; here the item is taken as given.
func (s *Service) PutItems(ctx context.Context, items []recd.Item) error {
	return s.write.putItems(ctx, items)
}

// PutItemsStaged does what PutItems does in two stages: it validates and stores the items
// durably before it returns, and the returned function indexes them. Bulk ingestion uses it
// to index one batch while the next is stored. The caller must call the function exactly
// once (from any goroutine): index snapshots wait until it has run.
func (s *Service) PutItemsStaged(ctx context.Context, items []recd.Item) (func() error, error) {
	return s.write.putItemsStaged(ctx, items)
}

// GetItem returns an item from the store.
func (s *Service) GetItem(ctx context.Context, id string) (recd.Item, error) {
	return s.st.GetItem(ctx, id)
}

// ListItems pages through the catalog.
func (s *Service) ListItems(ctx context.Context, cursor string, limit int) ([]recd.Item, string, error) {
	return s.st.ListItems(ctx, cursor, limit)
}

// DeleteItem deletes an item; it is no longer recommended from the next request on.
func (s *Service) DeleteItem(ctx context.Context, id string) error {
	return s.write.deleteItem(ctx, id)
}

// PutUser validates and stores a user.
func (s *Service) PutUser(ctx context.Context, u recd.User) error { return s.write.putUser(ctx, u) }

// GetUser returns a user from the store.
func (s *Service) GetUser(ctx context.Context, id string) (recd.User, error) {
	return s.st.GetUser(ctx, id)
}

// DeleteUser deletes a user everywhere, before it returns: their record and events from the
// store, and from every part that keeps per-user records (histories, sessions, trending and
// exposure counts, cached responses and sources, and with Redis every key of theirs). Event
// batches naming the user that were stored before the delete are erased with the rest even
// if they were still being applied; events stored after it start a new user. It answers
// ErrNotFound only when nothing held the user, so a second delete still erases what a
// first one could not reach.
func (s *Service) DeleteUser(ctx context.Context, id string) error {
	return s.del.deleteUser(ctx, id)
}

// UserEvents pages through a user's events, newest first.
func (s *Service) UserEvents(ctx context.Context, id, cursor string, limit int) ([]recd.Event, string, error) {
	return s.st.UserEvents(ctx, id, cursor, limit)
}

// AddEvents validates a batch of events, stores it durably (all or nothing; concurrent
// batches share one transaction, see groupCommit) and applies it to the live state, so the
// very next request sees it. An event naming an unknown item is
// rejected with ErrUnprocessable unless AutoCreateItems is on.
func (s *Service) AddEvents(ctx context.Context, events []recd.Event) ([]recd.Event, error) {
	return s.write.addEvents(ctx, events)
}

// StoreEvents validates and stores a batch as AddEvents does, but leaves applying it to the
// live state to the returned apply, so that a bulk loader (recd import) can store the next
// batch while this one is applied. apply must be called exactly once, and batches' applies
// in the order they were stored; until it returns, the batch is not seen by reads and a
// deletion of one of its users waits.
func (s *Service) StoreEvents(ctx context.Context, events []recd.Event) (stored []recd.Event, apply func(), err error) {
	return s.write.storeEvents(ctx, events)
}

// History returns a copy of a user's aggregated history (nil for an unknown user).
func (s *Service) History(userID string) []rank.Interaction { return s.live.History(userID) }

// Recommend ranks items for a user (from their live history and session) or for an anonymous
// session (from its context items). An unknown user is not an error: they get the popular
// list. ctx reaches the ranking pipeline unchanged.
func (s *Service) Recommend(ctx context.Context, req RecommendRequest) (rank.Response, error) {
	return s.read.Recommend(ctx, req)
}

// Next serves the next page of a served recommendation list (see NextRequest): the items its
// request ranks next that none of its pages showed, with a recommendation id chained to the
// list's first page.
func (s *Service) Next(ctx context.Context, req NextRequest) (rank.Response, error) {
	return s.read.Next(ctx, req)
}

// Similar returns items similar to id by item-kNN, a vector space, or a hybrid of both (see
// rank.Pipeline.Similar). An id not in the catalog is ErrNotFound.
func (s *Service) Similar(ctx context.Context, id string, n int, by string, categories []string) (rank.Response, error) {
	return s.read.Similar(ctx, id, n, by, categories, s.st.GetItem)
}

// Popular returns the most popular items, optionally within categories.
func (s *Service) Popular(ctx context.Context, n int, categories []string) (rank.Response, error) {
	return s.read.Popular(ctx, n, categories)
}

// Trending returns the items with the highest time-decayed interaction score, live.
func (s *Service) Trending(ctx context.Context, n int, categories []string) (rank.Response, error) {
	return s.read.Trending(ctx, n, categories)
}

// Query parses a request (through the LLM when configured, else or on its failure through the
// built-in parser) and answers it with the same retrieval and ranking as every other request:
// liked titles seed item-kNN and CF, the remaining words search the content vectors, and the
// query's categories, years, exclusions and conditions filter the candidates.
func (s *Service) Query(ctx context.Context, req QueryRequest) (QueryResponse, error) {
	return s.read.Query(ctx, req)
}

// PrecomputeActive computes and stores the default list of the users active within the window
// (see SharedOptions) and returns how many it stored. Users whose newest event this replica has
// not applied yet are skipped. It does nothing without Redis or with precomputation off; it
// stops at the first Redis failure. RunSharedState calls it on schedule; tests and benchmarks
// call it directly.
func (s *Service) PrecomputeActive(ctx context.Context) (int, error) {
	return s.read.PrecomputeActive(ctx)
}

// Train reads the store, fits every model, saves a versioned artifact, swaps the serving
// snapshot atomically (requests in flight finish on the old one) and prunes the store to the
// newest Options.KeepVersions versions plus the served and protected ones. When no event and
// no catalog change arrived since the version being served (and newest), it writes nothing and
// returns that version with Skipped set. Only one run at a time: a concurrent call returns
// ErrTrainingRunning.
func (s *Service) Train(ctx context.Context) (ModelInfo, error) { return s.trainer.Train(ctx, false) }

// TrainForced trains like Train, even when nothing changed since the version being served.
func (s *Service) TrainForced(ctx context.Context) (ModelInfo, error) {
	return s.trainer.Train(ctx, true)
}

// Degraded reports whether a dependency is down. Cheap: read paths call it per response.
func (s *Service) Degraded() bool {
	// Redis failed on a recent call: this answer used the fallback.
	return s.live.err() != nil || s.health.degraded()
}

// SharedStateErr reports the health of the shared state: nil when Redis is not configured or
// answered its last call, the last failure otherwise. It does no I/O, so a degraded flag can
// read it on every request; while it is not nil, reads answer from in-process sessions,
// generations and counters.
func (s *Service) SharedStateErr() error { return s.live.err() }

// CheckSharedState pings Redis now (nil when not configured), for readiness probes.
func (s *Service) CheckSharedState(ctx context.Context) error { return s.live.ping(ctx) }

// ReplicaID is this replica's id in change notifications ("" without Redis).
func (s *Service) ReplicaID() string { return s.live.origin() }

// ExposureCount returns an item's decayed impression count as this replica's exposure counter
// holds it: its own impressions plus, with Redis, the other replicas' (a moment late).
func (s *Service) ExposureCount(id string) float64 { return s.live.exposureCounter().Count(id) }

// RunSharedState runs the background work of the shared state until ctx ends: the change
// subscription (calling Options.OnRemoteChange for other replicas' changes), feeding the
// exposure counter from other replicas' impressions, sending this replica's impressions,
// replaying generation bumps Redis missed, probing Redis while it fails, announcing new model
// versions, and the precomputation rounds (one replica per round, by a Redis lock). It
// returns at once without Redis. Call it once, from its own goroutine.
func (s *Service) RunSharedState(ctx context.Context) {
	s.live.run(ctx, sharedHooks{
		changed: func(c redisstate.Change) {
			if c.Kind == redisstate.ChangeModel {
				s.NotifyModel()
			} else {
				s.Notify() // the follower catches up now rather than at its next poll
			}
			if s.opts.OnRemoteChange != nil {
				s.opts.OnRemoteChange(c.Kind, c.ID)
			}
		},
		version: func() string {
			if sv := s.snap.Load(); sv != nil {
				return sv.info.Version
			}
			return ""
		},
		round: func(ctx context.Context, name string) {
			s.read.precomputeRound(ctx, name, s.read.pre.sharedOptions().PrecomputeInterval)
		},
	})
}

// RunFeedback writes the served lists' impressions to the store in batches (every
// Feedback.FlushInterval, or at once when a batch is full) and deletes impressions past
// Feedback.Retention, hourly and once at start, until ctx ends; then it writes what is
// queued. It returns at once when impressions are off. Call it once, from its own goroutine.
func (s *Service) RunFeedback(ctx context.Context) { s.read.imp.run(ctx) }

// FlushImpressions writes the queued impressions now, in one transaction (nil when none or
// impressions are off). Shutdown, tests and benchmarks call it; RunFeedback flushes on its own.
func (s *Service) FlushImpressions(ctx context.Context) error { return s.read.imp.flush(ctx) }
