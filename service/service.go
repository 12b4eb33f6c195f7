// Package service ties the store, the models, the vector index and the ranking pipeline into
// recd's write, train and read paths. The HTTP server and the CLI call it; it owns the live
// state (catalog metadata, user histories, trending counters) and the serving snapshot.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/model"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/store"
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
	// RecentActions is how many recent actions per user are kept in memory (default 50).
	RecentActions int
	Logger        *slog.Logger // nil: discard
}

// DefaultOptions returns the defaults.
func DefaultOptions() Options {
	return Options{Weights: model.DefaultWeights(), KNN: model.DefaultItemKNNOptions(),
		TrendingHalfLife: 7 * 24 * time.Hour, Limits: DefaultLimits(), RecentActions: 50}
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

	trainMu sync.Mutex
	Metrics *Metrics
}

// serving is the immutable snapshot requests read: models plus the pipeline over them.
type serving struct {
	info     ModelInfo
	models   *rank.Models
	pipeline *rank.Pipeline
}

// New opens the service over st: it loads the catalog, the event history and the newest
// trained model. It does not train; call Train when Ready reports no model.
func New(ctx context.Context, st store.Store, opts Options) (*Service, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.RecentActions <= 0 {
		opts.RecentActions = 50
	}
	s := &Service{opts: opts, st: st, log: opts.Logger, catalog: map[string]*rank.ItemMeta{},
		hist: map[string]*history{}, trending: model.NewTrending(opts.TrendingHalfLife), Metrics: newMetrics()}
	start := time.Now()
	err := st.ScanItems(ctx, func(it recd.Item) error {
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
	s.log.Info("loaded state", "items", len(s.catalog), "users", len(s.hist), "last_seq", s.lastSeq,
		"elapsed", time.Since(start).Round(time.Millisecond))
	if err := s.loadLatest(ctx); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return s, nil
}

func metaOf(it *recd.Item) *rank.ItemMeta {
	return &rank.ItemMeta{Title: it.Title, Categories: it.Categories, Available: it.Available, Attributes: it.Attributes}
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
