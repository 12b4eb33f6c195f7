// Package service ties the store, the models, the vector index and the ranking pipeline into
// recd's write, train and read paths: Service is a facade over parts that each own their state
// and lock (see Service). A user's deletion is one path (deleter): every part that keeps
// per-user records registers a userForgetter with it, and a new kind of per-user record
// joins deletion by registering one.
package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/recd/recd/embed"
	"github.com/recd/recd/index"
	"github.com/recd/recd/model"
	"github.com/recd/recd/query"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/store"
	"github.com/redis/go-redis/v9"
)

// Options configure the service. Zero fields take the defaults of DefaultOptions.
type Options struct {
	Weights          model.Weights
	KNN              model.ItemKNNOptions
	TrendingHalfLife time.Duration
	// AutoCreateItems creates a bare item for an event that names an unknown item instead of
	// rejecting the event with 422.
	AutoCreateItems bool
	Limits          Limits
	// MaxFutureSkew and MinTimestamp bound event timestamps: an event dated later than the
	// server's clock plus MaxFutureSkew (default 5 minutes) or earlier than MinTimestamp
	// (default 1970-01-01T00:00:00Z) is rejected with ErrInvalid naming its timestamp.
	MaxFutureSkew time.Duration
	MinTimestamp  time.Time
	// ALS configures the CF factor model; Content the TF-IDF and LSA content model.
	ALS          model.ALSOptions
	EASE         model.EASEOptions // MaxItems 0 turns EASE off
	TFIDF        embed.TFIDFOptions
	LSA          embed.LSAOptions
	ProjectionL2 float64 // ridge penalty of the content-to-CF projection
	// Rank holds the pipeline's defaults; Sessions and Exposure bound the live state.
	Rank     rank.Options
	Sessions rank.SessionOptions
	Exposure rank.ExposureOptions
	// CacheSize and CacheTTL bound the response cache of recommendation requests (a size of
	// 0 turns it off); entries also end with the user's next event, a catalog change or a
	// new model.
	CacheSize int
	CacheTTL  time.Duration
	// Sources bounds the per-user cache of the model-dependent candidate sources that a
	// user's next request reuses after an event (a Size of 0 turns it off).
	Sources rank.SourceCacheOptions
	// HeadShare is the share of most-interacted items that are not long-tail (default 0.2).
	HeadShare float64
	// Index is the vector index (required). StateDir, when set, holds the index's catch-up
	// state next to its snapshot.
	Index    index.Index
	StateDir string
	// LiveSnapshot, when set, is the file the live histories are saved to (SaveLiveState,
	// RunPeriodicLiveSave) and started from: a start reads it and the events stored after
	// it instead of every event, falling back to every event when the file is missing,
	// corrupt, of another format, store, schema or weights, or events it counted are gone.
	LiveSnapshot string
	// TrainOnly opens the service for a process that only trains (recd train): the start
	// reads the catalog but not the events into live histories (training reads the events
	// itself, and the histories of every user would sit beside its own copy), and
	// SaveLiveState does nothing. Reads and writes through such a service see no history.
	TrainOnly bool
	// ShareLiveSnapshot, when positive and the store keeps a shared snapshot
	// (store.SharedSnapshots, PostgreSQL), is how often at most the replicas sharing the store
	// publish their live snapshot to it: a save (SaveLiveState) uploads the file when the
	// store's copy is older than this and older than the file. A start whose own file is
	// missing or unusable fetches the store's copy whatever this is.
	ShareLiveSnapshot time.Duration
	// Spaces are declared up front (created at start if missing).
	Spaces []index.SpaceConfig
	// LLM, when its BaseURL is set, parses natural-language requests and writes their
	// explanations; LLMBudget bounds the wait before the built-in parser answers.
	LLM       query.LLMOptions
	LLMBudget time.Duration
	// Redis, when set, holds the state that replicas share (sessions, counters, precomputed
	// lists, change notifications) under keys starting with RedisPrefix. Nil: all in-process.
	Redis       redis.UniversalClient
	RedisPrefix string
	Shared      SharedOptions
	// OnRemoteChange, when set with Redis, is called for every change another replica
	// announces: kind "events" (id: the user), "items" (id: the item, "" for a batch) or
	// "model" (id: the version installed). It runs on RunSharedState's subscription goroutine,
	// one change at a time, and must not block for long. Changes sent while Redis was away are
	// not replayed.
	OnRemoteChange func(kind, id string)
	// Dependencies are checked beside the store and the index for degraded mode and
	// /readyz (see RunHealthChecks); Redis's is added when Redis is configured.
	Dependencies []Dependency
	Logger       *slog.Logger // nil: discard
	// TrainProgress, when set, is told each training step as it finishes (done counts up to
	// total), for a progress bar; every step is also logged.
	TrainProgress func(step string, done, total int)
	// KeepVersions is how many newest model versions a training run keeps in the store
	// (default DefaultKeepVersions); older ones are deleted, except the one being served and
	// those ProtectedVersions returns.
	KeepVersions int
	// ProtectedVersions, when set, is asked after each training run for versions that must not
	// be pruned (a pinned model, a running experiment's arms). It must be safe to call from
	// the training goroutine.
	ProtectedVersions func() []string
	// Feedback configures the recording of served lists and the attribution of events to them.
	Feedback FeedbackOptions
	// ExperimentRefresh is how often RunExperiments rereads the experiment definitions
	// (default DefaultExperimentRefresh): the longest a write through another replica takes
	// to reach this one.
	ExperimentRefresh time.Duration
	// Describe configures the describe jobs started through StartDescribe.
	Describe DescribeOptions
	// Ranker configures the learned ranker training fits after the sources; the zero value
	// (Enabled false) keeps the blend.
	Ranker RankerOptions
}

// DefaultOptions returns the defaults.
func DefaultOptions() Options {
	return Options{Weights: model.DefaultWeights(), KNN: model.DefaultItemKNNOptions(),
		TrendingHalfLife: 7 * 24 * time.Hour, Limits: DefaultLimits(),
		MaxFutureSkew: DefaultMaxFutureSkew, MinTimestamp: DefaultMinTimestamp,
		ALS: model.DefaultALSOptions(), EASE: model.DefaultEASEOptions(), TFIDF: embed.DefaultTFIDFOptions(), LSA: embed.DefaultLSAOptions(),
		ProjectionL2: 1, Rank: rank.DefaultOptions(), Sessions: rank.DefaultSessionOptions(),
		Exposure: rank.DefaultExposureOptions(), HeadShare: rank.DefaultHeadShare, CacheSize: 50000, CacheTTL: time.Minute,
		Shared: DefaultSharedOptions(), Sources: rank.DefaultSourceCacheOptions(), KeepVersions: DefaultKeepVersions,
		Feedback: DefaultFeedbackOptions(), Ranker: DefaultRankerOptions()}
}

// ErrTrainingRunning is returned when a training job is already running.
var ErrTrainingRunning = errors.New("a training job is already running")

// Service is recd's core: a thin facade over parts that each own their state and lock.
//
//   - live (liveState: memState, or redisState with Redis) holds the catalog metadata, users'
//     histories and sessions, the trending and exposure counters and the per-user caches;
//   - write (writer) validates, stores and applies items, users and events;
//   - trainer fits models from the store and publishes the serving snapshot (snap), which
//     it alone writes;
//   - follower applies what other replicas sharing the store wrote;
//   - read (reader) answers recommendation, similar, popular, trending and query requests
//     over one serving snapshot and the live state;
//   - vectors owns the vector spaces, index writes and index snapshots;
//   - health holds the dependencies' states;
//   - exps (experiments) holds the running experiment the read path assigns variants by,
//     reread from the store;
//   - read.imp (impressions) queues every served list and writes the queue to the store in
//     batches, off the request path;
//   - del (deleter) erases a deleted user from the store and from every part that keeps
//     per-user records, each of which registers a userForgetter with it.
//
// The methods that are a part's own (vectors', trainer's, follower's and health's exported
// methods) are promoted from the embedded part rather than delegated to it. Service itself
// holds no lock. Safe for concurrent use.
type Service struct {
	opts Options
	st   store.Store
	log  *slog.Logger
	snap atomic.Pointer[serving]

	live  liveState
	mem   *memState      // the in-process part of live (all of it without Redis)
	snaps *liveSnapshots // the live histories' snapshot file
	write *writer
	read  *reader
	del   *deleter
	exps  *experiments
	// online answers online metrics (metrics_online.go).
	online *onlineMetrics
	jobs   *describeJobs // background describe jobs
	// The parts whose own methods are Service's: Spaces, SaveIndex and RunPeriodicSave
	// (vectors); Models and RunPeriodicTraining (trainer); Notify, NotifyModel, FollowStatus,
	// RunFollower and Sync (follower); Health, CheckHealth and RunHealthChecks (health).
	*vectors
	*trainer
	*follower
	*health

	Metrics *Metrics
}

// New opens the service over st: it loads the catalog, the event history and the newest
// trained model. It does not train; call Train when Ready reports no model.
func New(ctx context.Context, st store.Store, opts Options) (*Service, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Index == nil {
		return nil, errors.New("service: an index is required")
	}
	if opts.MaxFutureSkew <= 0 {
		opts.MaxFutureSkew = DefaultMaxFutureSkew
	}
	if opts.MinTimestamp.IsZero() {
		opts.MinTimestamp = DefaultMinTimestamp
	}
	opts.Feedback = opts.Feedback.withDefaults()
	opts.Ranker = opts.Ranker.withDefaults()
	opts.Rank.RankerAttributes, opts.Rank.BlendOnly = opts.Ranker.Features, !opts.Ranker.Enabled
	if opts.Ranker.Backend == RankerRemote {
		// The remote model serves whether or not training fits a local one (its fallback).
		opts.Rank.Remote, opts.Rank.RemoteTimeout, opts.Rank.BlendOnly = opts.Ranker.Remote, opts.Ranker.RemoteTimeout, false
	}
	s := &Service{opts: opts, st: st, log: opts.Logger, Metrics: newMetrics()}
	mem, err := s.assemble()
	if err != nil {
		return nil, err
	}
	if err := s.open(ctx, mem); err != nil {
		return nil, err
	}
	return s, nil
}

// assemble builds the parts and wires them together.
func (s *Service) assemble() (*memState, error) {
	mem, err := newMemState(&s.opts)
	if err != nil {
		return nil, err
	}
	s.live, s.mem = mem, mem
	s.snaps = newLiveSnapshots(&s.opts, s.st, s.log)
	if s.opts.Redis != nil {
		rs, err := newRedisState(mem, &s.opts, s.log, s.Metrics)
		if err != nil {
			return nil, fmt.Errorf("shared state: %w", err)
		}
		s.live = rs
		deps := s.opts.Dependencies
		s.opts.Dependencies = append(deps[:len(deps):len(deps)], Dependency{Name: "redis", Check: s.CheckSharedState})
	}
	s.health = newHealth(s.st, s.opts.Index, s.opts.Dependencies, s.log)
	s.vectors = newVectors(&s.opts, s.st, s.log, &s.snap, s.live)
	gate := &userGate{}
	if s.read, err = newReader(&s.opts, &s.snap, s.live, s.vectors, s.Metrics, s.log, gate); err != nil {
		return nil, err
	}
	s.read.imp = newImpressions(s.opts.Feedback, s.st, s.Metrics, s.log)
	s.exps = newExperiments(s.st, s.log)
	s.read.exps = s.exps
	s.trainer = &trainer{opts: &s.opts, st: s.st, log: s.log, metrics: s.Metrics, snap: &s.snap, live: s.live,
		vec: s.vectors, vocabulary: s.read.refreshVocabulary, pinned: s.exps.protectedVersions}
	s.exps.pins = newPinnedModels(s.trainer.loadPinned, &s.snap, s.log)
	s.write = &writer{opts: &s.opts, st: s.st, gate: gate, live: s.live, vec: s.vectors, health: s.health,
		metrics: s.Metrics, imp: s.read.imp, rot: s.read.rot, commits: groupCommit{metrics: s.Metrics}}
	s.follower = newFollower(s.st, s.live, s.vectors, s.trainer, s.health, s.log)
	// Every part that keeps per-user records registers its forgetter here.
	s.jobs = newDescribeJobs(s.opts.Describe, serviceCatalog{s})
	s.del = &deleter{st: s.st, gate: gate, pass: s.follower.exclusive, withEvents: s.opts.Redis != nil}
	s.del.register(s.live)
	s.del.register(s.read.ledger)
	s.del.register(s.read.imp)
	s.del.register(s.read.rot)
	s.follower.forget = s.del.forgetFollowed
	s.online = newOnlineMetrics(s.st, &s.snap, s.opts.Feedback)
	return mem, nil
}

// open learns the index's spaces, loads the live state and the newest model, and brings the
// index up to date with the store.
func (s *Service) open(ctx context.Context, mem *memState) error {
	if err := s.vectors.open(ctx, s.opts.Spaces); err != nil {
		return err
	}
	if err := s.follower.start(ctx); err != nil {
		return err
	}
	start := time.Now()
	from, err := "catalog only (this process trains)", error(nil)
	if s.opts.TrainOnly {
		err = mem.loadCatalog(ctx, s.st)
	} else {
		from, err = s.snaps.load(ctx, mem)
	}
	if err != nil {
		return err
	}
	st := mem.stats()
	s.log.Info("loaded state", "items", st.Items, "users", st.Users, "last_seq", mem.currentSeq(), "from", from,
		"elapsed", time.Since(start).Round(time.Millisecond))
	if err := s.trainer.loadLatest(ctx); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err := s.exps.refresh(ctx); err != nil {
		s.log.Warn("experiments not loaded", "err", err)
	}
	return s.vectors.catchUpIndex(ctx)
}

// Item implements rank.Catalog over the live catalog.
func (s *Service) Item(id string) (rank.ItemMeta, bool) { return s.live.Item(id) }

// Ready reports whether a trained model is being served, and why not.
func (s *Service) Ready() (bool, string) {
	if s.snap.Load() == nil {
		return false, "no trained model yet"
	}
	return true, ""
}

// Limits returns the input limits in force.
func (s *Service) Limits() Limits { return s.opts.Limits }

// Stats are counts for logs and the admin API.
type Stats struct {
	Items  int `json:"items"`
	Users  int `json:"users"`
	Events int `json:"events"`
}

// Stats returns the live counts.
func (s *Service) Stats() Stats { return s.live.stats() }

// Close releases the vector index when it holds resources (the embedded HNSW's memory
// mappings, a Qdrant connection). Call it after the last request and after SaveIndex; the
// store and the Redis client belong to the caller.
func (s *Service) Close() error {
	if s.jobs != nil {
		s.jobs.close()
	}
	if c, ok := s.opts.Index.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
