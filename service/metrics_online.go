package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/online"
	"github.com/recd/recd/store"
)

// onlineMetrics is the part that answers online metrics: it folds a window of the store's
// served lists and attributed events (online.Fold) with this replica's catalog, popularity,
// model versions and user attributes. It owns sem, which lets one fold run at a time: a
// fold reads up to a bound of rows on read connections and must not crowd out serving.
type onlineMetrics struct {
	st   store.Store
	scan store.ImpressionScanner // nil: the store keeps no impressions
	snap *atomic.Pointer[serving]
	opts online.Options
	sem  chan struct{}
}

func newOnlineMetrics(st store.Store, snap *atomic.Pointer[serving], fb FeedbackOptions) *onlineMetrics {
	o := online.DefaultOptions()
	o.ClickTypes, o.ConversionTypes = fb.ClickTypes, fb.ConversionTypes
	// An event cited by id may come as late as the attribution lookups allow.
	o.EventLag = max(o.EventLag, fb.AttributionWindow+attributionSkew)
	m := &onlineMetrics{st: st, snap: snap, opts: o, sem: make(chan struct{}, 1)}
	m.scan, _ = st.(store.ImpressionScanner)
	return m
}

// OnlineMetrics folds the lists served in q's window into per-group metrics, k positions
// deep (0: the default 10). A store without impressions gives a result without groups.
// Folds run one at a time; a second waits for the first or for its context.
func (s *Service) OnlineMetrics(ctx context.Context, q online.Query, k int) (*online.Result, error) {
	return s.online.fold(ctx, q, k)
}

// OnlineOptions returns the options folds run with (the experiment report folds with them).
func (s *Service) OnlineOptions() online.Options { return s.online.opts }

func (m *onlineMetrics) fold(ctx context.Context, q online.Query, k int) (*online.Result, error) {
	opts := m.opts
	if k != 0 {
		opts.K = k
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if _, err := online.ParseGroupBy(q.GroupBy); err != nil {
		return nil, err
	}
	if m.scan == nil {
		return &online.Result{From: q.From.UTC(), To: q.To.UTC(), GroupBy: q.GroupBy, Experiment: q.Experiment,
			K: opts.K, Groups: []online.Group{}}, nil
	}
	select {
	case m.sem <- struct{}{}:
		defer func() { <-m.sem }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	env, err := m.env(ctx)
	if err != nil {
		return nil, err
	}
	return online.Fold(ctx, m.scan, env, q, opts)
}

// env gathers what the fold needs beyond the store's window: the catalog's size and items'
// added times (one scan of the catalog), the serving model's popularity, the saved model
// versions' training times, and user attributes from the store.
func (m *onlineMetrics) env(ctx context.Context) (online.Env, error) {
	cat := catalogTimes{added: map[string]time.Time{}}
	err := m.st.ScanItems(ctx, func(it recd.Item) error {
		cat.added[it.ID] = it.CreatedAt
		return nil
	})
	if err != nil {
		return online.Env{}, fmt.Errorf("online metrics: scan items: %w", err)
	}
	arts, err := m.st.ListArtifacts(ctx)
	if err != nil {
		return online.Env{}, fmt.Errorf("online metrics: list models: %w", err)
	}
	versions := modelTimes{}
	for _, a := range arts {
		versions[a.Version] = a.Created
	}
	env := online.Env{Catalog: cat, Models: versions, Users: userAttrs{m.st}}
	if sv := m.snap.Load(); sv != nil && sv.info.Metrics["users"] > 0 {
		env.Popularity = modelPopularity{sv}
	}
	return env, nil
}

// catalogTimes is the catalog as one fold saw it at its start.
type catalogTimes struct{ added map[string]time.Time }

func (c catalogTimes) Size() int { return len(c.added) }

func (c catalogTimes) AddedAt(item string) (time.Time, bool) {
	t, ok := c.added[item]
	return t, ok
}

// modelTimes are the saved model versions' training times.
type modelTimes map[string]time.Time

func (m modelTimes) VersionTime(v string) (time.Time, bool) {
	t, ok := m[v]
	return t, ok
}

// modelPopularity is the serving model's share of training users per item, as eval's
// novelty computes it.
type modelPopularity struct{ sv *serving }

func (p modelPopularity) Share(item string) float64 {
	m := p.sv.models
	i, ok := m.ItemIndex[item]
	if !ok || int(i) >= len(m.Counts) {
		return 0
	}
	return float64(m.Counts[i]) / p.sv.info.Metrics["users"]
}

func (p modelPopularity) Floor() float64 { return 1 / p.sv.info.Metrics["users"] }

// userAttrs reads users' attributes from the store, as they are now.
type userAttrs struct{ st store.Users }

// UserAttribute returns the attribute as a group name: a string as it is, a number or a
// boolean as JSON writes it, a list or object as its JSON text; a missing or null value,
// or a deleted user, is not ok.
func (u userAttrs) UserAttribute(ctx context.Context, user, attr string) (string, bool, error) {
	usr, err := u.st.GetUser(ctx, user)
	if errors.Is(err, store.ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	switch v := usr.Attributes[attr].(type) {
	case nil:
		return "", false, nil
	case string:
		return v, true, nil
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), true, nil
	case bool:
		return strconv.FormatBool(v), true, nil
	default:
		b, err := json.Marshal(v)
		return string(b), err == nil, nil
	}
}
