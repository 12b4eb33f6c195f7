package service

import (
	"context"
	"log/slog"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/store"
)

// This file is the feedback loop's write side: every served list gets a recommendation id
// and is recorded as an impression, in batches, off the request path.

// Routes an impression can come from.
const (
	RouteRecommend = "recommend"
	RouteSimilar   = "similar"
	RouteQuery     = "query"
)

// FeedbackOptions configure impressions and attribution. Zero fields take the defaults of
// DefaultFeedbackOptions, except Impressions (false: no list is recorded).
type FeedbackOptions struct {
	// Impressions records every served list (needs a store implementing store.Impressions).
	Impressions bool
	// FlushInterval is how often queued impressions are written (default 100ms); a batch of
	// BatchSize (default 500) is written at once. QueueSize (default 10000) bounds the queue:
	// an impression that finds it full is dropped and counted, the request never waits.
	FlushInterval time.Duration
	BatchSize     int
	QueueSize     int
	// Retention is how long impressions are kept (default 720h); a background job deletes
	// older ones hourly and once at start.
	Retention time.Duration
	// AttributionWindow is how far back an event without a recommendation id looks for the
	// newest list that showed its item to its user (default 30m); AttributionTypes are the
	// event types that are attributed (default click, add_to_cart, purchase, like).
	AttributionWindow time.Duration
	AttributionTypes  []string
	// AttributionLists bounds that look in the store to the user's newest lists in the window
	// (default 20), so that attributing an event costs the same however many lists its user
	// was served; an event on an item only an older list showed is stored unattributed.
	AttributionLists int
	// ClickTypes and ConversionTypes are the event types online metrics count as clicks
	// and conversions (default click, and purchase).
	ClickTypes      []string
	ConversionTypes []string
}

// DefaultFeedbackOptions returns the defaults, impressions on.
func DefaultFeedbackOptions() FeedbackOptions {
	return FeedbackOptions{Impressions: true, FlushInterval: 100 * time.Millisecond, BatchSize: 500,
		QueueSize: 10000, Retention: 720 * time.Hour, AttributionWindow: 30 * time.Minute,
		AttributionLists: 20,
		AttributionTypes: []string{recd.EventClick, recd.EventAddToCart, recd.EventPurchase, recd.EventLike},
		ClickTypes:       []string{recd.EventClick}, ConversionTypes: []string{recd.EventPurchase}}
}

// withDefaults fills the zero fields.
func (o FeedbackOptions) withDefaults() FeedbackOptions {
	d := DefaultFeedbackOptions()
	if o.FlushInterval <= 0 {
		o.FlushInterval = d.FlushInterval
	}
	if o.BatchSize <= 0 {
		o.BatchSize = d.BatchSize
	}
	if o.QueueSize <= 0 {
		o.QueueSize = d.QueueSize
	}
	if o.Retention <= 0 {
		o.Retention = d.Retention
	}
	if o.AttributionWindow <= 0 {
		o.AttributionWindow = d.AttributionWindow
	}
	if o.AttributionLists <= 0 {
		o.AttributionLists = d.AttributionLists
	}
	if o.AttributionTypes == nil {
		o.AttributionTypes = d.AttributionTypes
	}
	if o.ClickTypes == nil {
		o.ClickTypes = d.ClickTypes
	}
	if o.ConversionTypes == nil {
		o.ConversionTypes = d.ConversionTypes
	}
	return o
}

// impressions is the impression recorder: it owns the queue of served lists not yet written
// to the store and the batch being written (inflight), which mu guards, and writes the queue
// in one transaction per flush (flushMu lets one flush run at a time, so a user's deletion
// can wait for the flush that may hold their lists). Attribution reads the queue and the
// batch in flight before the store, so a list is found from the moment it is served.
// The request path only appends to the queue; when the queue is full the list is dropped and
// counted. A nil recorder (impressions off, or a store without store.Impressions) records
// nothing but still hands out recommendation ids. Safe for concurrent use.
type impressions struct {
	opts    FeedbackOptions
	st      store.Impressions
	metrics *Metrics
	log     *slog.Logger
	kick    chan struct{} // a full batch is waiting
	// recent is attribution's shortcut: the lists each user was just served.
	recent *recentLists
	// fresh bounds the waits for a cited list another replica has not flushed yet.
	fresh *freshWaits

	mu       sync.Mutex
	queue    []store.Impression
	inflight []store.Impression

	flushMu sync.Mutex
}

// newImpressions returns the recorder, or nil when impressions are off or st cannot hold them.
func newImpressions(opts FeedbackOptions, st store.Store, metrics *Metrics, log *slog.Logger) *impressions {
	ist, ok := st.(store.Impressions)
	if !opts.Impressions || !ok {
		return nil
	}
	return &impressions{opts: opts, st: ist, metrics: metrics, log: log, kick: make(chan struct{}, 1),
		recent: newRecentLists(opts.AttributionWindow), fresh: newFreshWaits(opts.FlushInterval)}
}

// served gives a list its recommendation id and queues it as an impression; it never
// blocks on the store. A caller serving a user holds the user's gate shared.
func (r *impressions) served(route, user, session, strategy, version string, items []recd.Recommendation) string {
	now := time.Now()
	return r.record(store.Impression{ID: newRecommendationID(now), UserID: user, SessionID: session, Route: route,
		Strategy: strategy, ModelVersion: version, Time: now}, items)
}

// record queues im, its Items made from items (with the variant that placed each), and
// returns its id; it never blocks on the store. A caller serving a user holds the user's gate
// shared.
func (r *impressions) record(im store.Impression, items []recd.Recommendation) string {
	id := im.ID
	if r == nil {
		return id
	}
	im.Items = make([]store.ImpressionItem, len(items))
	for i, it := range items {
		score := it.Score
		if math.IsNaN(score) || math.IsInf(score, 0) {
			score = 0
		}
		im.Items[i] = store.ImpressionItem{ItemID: it.ID, Position: i, Score: score, Variant: it.Variant}
	}
	r.mu.Lock()
	if len(r.queue) >= r.opts.QueueSize {
		r.mu.Unlock()
		r.metrics.ImpressionsDropped.Inc()
		return id
	}
	r.queue = append(r.queue, im)
	full := len(r.queue) >= r.opts.BatchSize
	r.mu.Unlock()
	r.metrics.Online.served(&im)
	r.recent.add(im)
	if full {
		select {
		case r.kick <- struct{}{}:
		default:
		}
	}
	return id
}

// flush writes the queued impressions in one transaction. On a store failure they are
// dropped and counted: an impression is worth less than the writes behind it.
func (r *impressions) flush(ctx context.Context) error {
	if r == nil {
		return nil
	}
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	r.mu.Lock()
	batch := r.queue
	r.queue, r.inflight = nil, batch
	r.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	err := r.st.PutImpressions(ctx, batch)
	r.mu.Lock()
	r.inflight = nil
	r.mu.Unlock()
	if err != nil {
		r.metrics.ImpressionsDropped.Add(float64(len(batch)))
		r.log.Warn("impressions not recorded", "n", len(batch), "err", err)
		return err
	}
	r.metrics.ImpressionsRecorded.Add(float64(len(batch)))
	return nil
}

// forgetUser takes the user's lists out of the queue and deletes those stored. It waits for
// a flush in flight, so none of the user's lists is written after it returns.
func (r *impressions) forgetUser(ctx context.Context, e *erasure) bool {
	if r == nil {
		return false
	}
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	r.mu.Lock()
	n := len(r.queue)
	r.queue = slices.DeleteFunc(r.queue, func(im store.Impression) bool { return im.UserID == e.user })
	held := len(r.queue) < n
	r.mu.Unlock()
	held = r.recent.forget(e.user) || held
	deleted, err := r.st.DeleteUserImpressions(ctx, e.user)
	if err != nil {
		r.log.Error("delete a user's impressions", "user", e.user, "err", err)
	}
	return held || deleted > 0
}

// expire deletes the impressions older than the retention.
func (r *impressions) expire(ctx context.Context, now time.Time) {
	n, err := r.st.DeleteImpressionsBefore(ctx, now.Add(-r.opts.Retention))
	if err != nil {
		r.log.Warn("impression retention", "err", err)
		return
	}
	if n > 0 {
		r.log.Info("impressions past retention deleted", "n", n)
	}
}

// retentionInterval is how often expire runs.
const retentionInterval = time.Hour

// run flushes every FlushInterval (and at once when a batch is full) and enforces the
// retention hourly and once at start, until ctx ends; then it flushes what is queued.
func (r *impressions) run(ctx context.Context) {
	if r == nil {
		return
	}
	r.expire(ctx, time.Now())
	flush := time.NewTicker(r.opts.FlushInterval)
	defer flush.Stop()
	expire := time.NewTicker(retentionInterval)
	defer expire.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			_ = r.flush(fctx)
			cancel()
			return
		case <-flush.C:
			_ = r.flush(ctx)
		case <-r.kick:
			_ = r.flush(ctx)
		case now := <-expire.C:
			r.expire(ctx, now)
		}
	}
}
