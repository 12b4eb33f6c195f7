// Package service ties the store, the models, the vector index and the ranking pipeline into
// recd's write, train and read paths. The HTTP server and the CLI call it; it owns the live
// state (catalog metadata, user histories, trending counters) and the serving snapshot.
package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/recd/recd"
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
}

// DefaultOptions returns the defaults.
func DefaultOptions() Options {
	return Options{Weights: model.DefaultWeights(), KNN: model.DefaultItemKNNOptions(),
		TrendingHalfLife: 7 * 24 * time.Hour, Limits: DefaultLimits(),
		MaxFutureSkew: DefaultMaxFutureSkew, MinTimestamp: DefaultMinTimestamp,
		ALS: model.DefaultALSOptions(), EASE: model.DefaultEASEOptions(), TFIDF: embed.DefaultTFIDFOptions(), LSA: embed.DefaultLSAOptions(),
		ProjectionL2: 1, Rank: rank.DefaultOptions(), Sessions: rank.DefaultSessionOptions(),
		Exposure: rank.DefaultExposureOptions(), HeadShare: rank.DefaultHeadShare, CacheSize: 50000, CacheTTL: time.Minute,
		Shared: DefaultSharedOptions(), Sources: rank.DefaultSourceCacheOptions()}
}

// ErrTrainingRunning is returned when a training job is already running.
var ErrTrainingRunning = errors.New("a training job is already running")

// Service is recd's core. Safe for concurrent use.
type Service struct {
	opts Options
	st   store.Store
	log  *slog.Logger

	snap atomic.Pointer[serving]

	mu       sync.RWMutex // guards the live state below
	catalog  map[string]*rank.ItemMeta
	hist     map[string]*history
	trending *model.Trending
	lastSeq  int64
	nEvents  int

	idx      index.Index
	spaceMu  sync.RWMutex
	spaces   map[string]index.SpaceConfig
	writeMu  sync.RWMutex // writers hold it shared; an index snapshot holds it exclusively
	dirty    atomic.Bool  // the index has writes since its last snapshot
	sessions *rank.Sessions
	exposure *rank.Exposure
	cache    *respCache
	shared   *shared // nil without Redis
	sources  *rank.SourceCache
	commits  groupCommit // merges concurrent event writes into one transaction

	vocab     *query.SwappableVocabulary
	parser    *query.FallbackParser
	explainer query.Explainer

	trainMu sync.Mutex
	Metrics *Metrics

	follow *follower // replica following (follow.go)
	health *health   // dependency states (health.go)
}

// serving is the immutable snapshot requests read: models plus the pipeline over them.
type serving struct {
	info     ModelInfo
	models   *rank.Models
	pipeline *rank.Pipeline
	content  *embed.ContentModel // nil when the catalog has no text
	proj     *embed.Projection   // content -> CF; nil when not fitted
}

// cfVector is an item's CF vector: its ALS factors when it has interactions, otherwise its
// content vector projected into the CF space (nil when neither is known).
func (sv *serving) cfVector(id string, content []float32) []float32 {
	m := sv.models
	if m.ALS == nil {
		return nil
	}
	if i, ok := m.ItemIndex[id]; ok && int(i) < len(m.Counts) && m.Counts[i] > 0 {
		return m.ALS.ItemFactors().Row(int(i))
	}
	if content == nil || sv.proj == nil {
		return nil
	}
	v, err := sv.proj.Project(content)
	if err != nil {
		return nil
	}
	return v
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
	sessions, err := rank.NewSessions(opts.Sessions)
	if err != nil {
		return nil, fmt.Errorf("sessions: %w", err)
	}
	exposure, err := rank.NewExposure(opts.Exposure)
	if err != nil {
		return nil, fmt.Errorf("exposure: %w", err)
	}
	s := &Service{opts: opts, st: st, log: opts.Logger, catalog: map[string]*rank.ItemMeta{},
		hist: map[string]*history{}, trending: model.NewTrending(opts.TrendingHalfLife), Metrics: newMetrics(),
		idx: opts.Index, spaces: map[string]index.SpaceConfig{}, sessions: sessions, exposure: exposure,
		cache: newRespCache(opts.CacheSize, opts.CacheTTL), follow: newFollower(),
		sources: rank.NewSourceCache(opts.Sources)}
	if opts.Redis != nil {
		if s.shared, err = newShared(&opts); err != nil {
			return nil, fmt.Errorf("shared state: %w", err)
		}
	}
	if s.shared != nil {
		s.opts.Dependencies = append(s.opts.Dependencies[:len(s.opts.Dependencies):len(s.opts.Dependencies)],
			Dependency{Name: "redis", Check: s.CheckSharedState})
	}
	s.health = newHealth(s)
	s.vocab = &query.SwappableVocabulary{}
	s.parser = &query.FallbackParser{Builtin: query.Builtin{Vocab: s.vocab}, Timeout: opts.LLMBudget}
	s.explainer = query.SentenceExplainer{}
	if opts.LLM.BaseURL != "" {
		llm, err := query.NewLLMParser(opts.LLM, s.vocab)
		if err != nil {
			return nil, fmt.Errorf("llm: %w", err)
		}
		s.parser.LLM = llm
		if s.explainer, err = query.NewLLMExplainer(opts.LLM); err != nil {
			return nil, fmt.Errorf("llm explainer: %w", err)
		}
	}
	infos, err := s.idx.Spaces(ctx)
	if err != nil {
		return nil, fmt.Errorf("list vector spaces: %w", err)
	}
	for _, in := range infos {
		s.spaces[in.Name] = in.SpaceConfig
	}
	for _, cfg := range opts.Spaces {
		if err := s.createSpace(ctx, cfg); err != nil {
			return nil, fmt.Errorf("declared space %s: %w", cfg.Name, err)
		}
	}
	if err := s.follow.start(ctx, st); err != nil {
		return nil, err
	}
	start := time.Now()
	err = st.ScanItems(ctx, func(it recd.Item) error {
		s.catalog[it.ID] = metaOf(&it)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load catalog: %w", err)
	}
	err = st.ScanEvents(ctx, 0, func(e recd.Event) error {
		s.observe(&e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load events: %w", err)
	}
	s.follow.applied.settle(s.lastSeq)
	s.log.Info("loaded state", "items", len(s.catalog), "users", len(s.hist), "last_seq", s.lastSeq,
		"elapsed", time.Since(start).Round(time.Millisecond))
	if err := s.loadLatest(ctx); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if err := s.catchUpIndex(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

func metaOf(it *recd.Item) *rank.ItemMeta {
	return &rank.ItemMeta{Title: it.Title, Categories: it.Categories, Tags: it.Tags, Available: it.Available, Attributes: it.Attributes}
}

// Item implements rank.Catalog over the live catalog.
func (s *Service) Item(id string) (rank.ItemMeta, bool) {
	s.mu.RLock()
	m, ok := s.catalog[id]
	s.mu.RUnlock()
	if !ok {
		return rank.ItemMeta{}, false
	}
	return *m, true
}

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
func (s *Service) Stats() Stats {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return Stats{Items: len(s.catalog), Users: len(s.hist), Events: s.nEvents}
}

// Close releases the vector index when it holds resources (the embedded HNSW's memory
// mappings, a Qdrant connection). Call it after the last request and after SaveIndex; the
// store and the Redis client belong to the caller.
func (s *Service) Close() error {
	if c, ok := s.idx.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
