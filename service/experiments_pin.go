package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/store"
)

// pinLoadTimeout bounds one pinned version's load from the store.
const pinLoadTimeout = 5 * time.Minute

// pinnedModels owns the serving snapshots of the model versions the running experiment's
// variants pin (model_version overrides, at most experiment.MaxPinnedVersions): each holds
// its models in memory beside the current snapshot. want, called by every refresh of the
// definitions, starts loading the missing ones in the background and drops those no longer
// pinned; the read path only loads cur (one atomic load) and, until a version is loaded or
// when it cannot be (pruned, unreadable), serves the current model and says so. mu guards
// loading and failed; cur is an immutable map replaced whole. Safe for concurrent use.
type pinnedModels struct {
	load func(ctx context.Context, version string) (*serving, error)
	snap *atomic.Pointer[serving] // the current snapshot: a pin of its version needs no load
	log  *slog.Logger

	cur     atomic.Pointer[map[string]*serving]
	mu      sync.Mutex
	loading map[string]bool
	failed  map[string]string // version -> why it cannot be served; not retried while pinned
	wg      sync.WaitGroup    // the loads in flight (tests wait on it)
}

func newPinnedModels(load func(context.Context, string) (*serving, error), snap *atomic.Pointer[serving], log *slog.Logger) *pinnedModels {
	return &pinnedModels{load: load, snap: snap, log: log, loading: map[string]bool{}, failed: map[string]string{}}
}

// want makes versions the pinned set: loaded ones no longer named are dropped, missing ones
// start loading (the current version's needs none while it is current).
func (p *pinnedModels) want(versions []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	old := p.loaded()
	next := make(map[string]*serving, len(versions))
	for _, v := range versions {
		if sv, ok := old[v]; ok {
			next[v] = sv
		}
	}
	if len(next) != len(old) {
		p.cur.Store(&next)
	}
	for v := range p.failed {
		if !slices.Contains(versions, v) {
			delete(p.failed, v)
		}
	}
	for v := range p.loading { // a load still in flight is dropped when it ends
		if !slices.Contains(versions, v) {
			delete(p.loading, v)
		}
	}
	cur := ""
	if sv := p.snap.Load(); sv != nil {
		cur = sv.info.Version
	}
	for _, v := range versions {
		if _, ok := next[v]; ok || v == cur || p.loading[v] || p.failed[v] != "" {
			continue
		}
		p.loading[v] = true
		p.wg.Add(1)
		go p.fetch(v)
	}
}

// fetch loads version and installs it, unless it stopped being wanted meanwhile.
func (p *pinnedModels) fetch(version string) {
	defer p.wg.Done()
	ctx, cancel := context.WithTimeout(context.Background(), pinLoadTimeout)
	defer cancel()
	start := time.Now()
	sv, err := p.load(ctx, version)
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.loading[version] {
		return
	}
	delete(p.loading, version)
	if err != nil {
		p.failed[version] = err.Error()
		p.log.Warn("pinned model version not loaded; its variant serves the current model", "version", version, "err", err)
		return
	}
	next := make(map[string]*serving, len(p.loaded())+1)
	for v, s := range p.loaded() {
		next[v] = s
	}
	next[version] = sv
	p.cur.Store(&next)
	p.log.Info("loaded pinned model version", "version", version, "elapsed", time.Since(start).Round(time.Millisecond))
}

// loaded is the installed map (never nil).
func (p *pinnedModels) loaded() map[string]*serving {
	if m := p.cur.Load(); m != nil {
		return *m
	}
	return nil
}

// pipeline returns the pipeline that serves version: the pinned snapshot's, or the current
// one's when version is "" or current. When the pinned version is not loaded it returns the
// current pipeline and why, for the answer's model_fallback.
func (p *pinnedModels) pipeline(cur *serving, version string) (*rank.Pipeline, string) {
	if version == "" || version == cur.info.Version {
		return cur.pipeline, ""
	}
	if sv, ok := p.loaded()[version]; ok {
		return sv.pipeline, ""
	}
	p.mu.Lock()
	why := p.failed[version]
	p.mu.Unlock()
	if why == "" {
		why = "loading"
	}
	return cur.pipeline, fmt.Sprintf("pinned model version %s is not served (%s); the current model served", version, why)
}

// wait blocks until the loads in flight are done.
func (p *pinnedModels) wait() { p.wg.Wait() }

// loadPinned builds the serving snapshot of a saved version for an experiment variant that
// pins it: its own models and ranker, over the live catalog and the shared index, with the CF
// source scored exactly over its own factors (the index holds the current version's).
// Nothing is indexed and the current snapshot is untouched.
func (t *trainer) loadPinned(ctx context.Context, version string) (*serving, error) {
	art, err := t.st.LoadArtifact(ctx, version)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("version %s is not saved (pruned or deleted)", version)
	}
	if err != nil {
		return nil, err
	}
	if art.Kind != artifactKind {
		return nil, fmt.Errorf("version %s is a %s, not a model bundle", version, art.Kind)
	}
	bd, err := decodeBundle(art)
	if err != nil {
		return nil, err
	}
	opts := t.opts.Rank
	opts.ExactCF = true
	return t.servingOf(bd, art.Size, opts), nil
}

// savedVersion checks that version is a saved model bundle; field names the override.
func savedVersion(ctx context.Context, st store.Store, field, version string) error {
	arts, err := st.ListArtifacts(ctx)
	if err != nil {
		return fmt.Errorf("list models: %w", err)
	}
	for _, a := range arts {
		if a.Version == version && a.Kind == artifactKind {
			return nil
		}
	}
	return recd.Invalid(field, fmt.Sprintf("model version %q is not saved; GET /v1/admin/models lists the saved ones", version))
}
