package service

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/store"
)

// install swaps a bundle in as the serving snapshot and writes its vectors (CF factors,
// content vectors, projected CF vectors of cold items) into the index.
func (t *trainer) install(ctx context.Context, bd *bundle, size int64, items []recd.Item) error {
	t.swap(bd, size)
	if err := t.ensureTrainedSpaces(ctx, bd); err != nil {
		return err
	}
	start := time.Now()
	t.vec.hold()
	defer t.vec.release()
	if err := t.vec.indexItems(ctx, items, false); err != nil {
		return err
	}
	t.log.Info("indexed item vectors", "items", len(items), "elapsed", time.Since(start).Round(time.Millisecond))
	if sv := t.snap.Load(); sv != nil {
		t.shareIndexIDs(sv.models.Items) // the items the index had not held at the swap
	}
	return nil
}

// shareIndexIDs gives the vector index the serving model's id strings (the catalog's) for the
// items it holds, when it keeps ids in this process (index.IDSharer): the model's index then
// finds the ids of hits by pointer.
func (t *trainer) shareIndexIDs(items []string) {
	if sh, ok := t.vec.idx.(index.IDSharer); ok {
		sh.ShareIDs(items)
	}
}

// swap installs a bundle as the serving snapshot and rebuilds the query parser's vocabulary
// from the live catalog.
func (t *trainer) swap(bd *bundle, size int64) {
	sv := t.servingOf(bd, size, t.opts.Rank)
	t.snap.Store(sv)
	counts := make(map[string]int, len(bd.Items))
	for i, id := range bd.Items {
		if bd.Counts[i] > 0 {
			counts[id] = int(bd.Counts[i])
		}
	}
	t.vocabulary(counts)
}

// servingOf builds the serving snapshot of a bundle, its pipeline run with opts.
func (t *trainer) servingOf(bd *bundle, size int64, opts rank.Options) *serving {
	items := slices.Clone(bd.Items) // the catalog's strings (shareIDs), for the catalog reads
	t.live.shareIDs(items)
	t.shareIndexIDs(items)
	idx := make(map[string]int32, len(items))
	counts := make(map[string]int, len(items))
	for i, id := range items {
		idx[id] = int32(i)
		if bd.Counts[i] > 0 {
			counts[id] = int(bd.Counts[i])
		}
	}
	tail, err := rank.LongTailSet(counts, t.opts.HeadShare)
	if err != nil {
		t.log.Warn("long-tail set not built", "err", err)
	}
	bd.Times.Prepare() // its search index, built here rather than by the first request
	m := &rank.Models{Version: bd.Version, Items: items, ItemIndex: idx, Pop: bd.Pop, KNN: bd.KNN,
		ALS: bd.ALS, EASE: bd.EASE, Tail: tail, Counts: bd.Counts, Times: bd.Times}
	m.Ranker = t.loadRanker(bd)
	return &serving{
		info: ModelInfo{Version: bd.Version, Kind: artifactKind, Created: bd.Created, Size: size,
			Metrics: bd.Stats.metrics(), Serving: true, Ranker: bd.RankerInfo, Limits: bd.Limits},
		models:   m,
		pipeline: rank.NewPipeline(m, t.live, t.vec.idx, t.live.exposureCounter(), opts),
		content:  bd.Content,
		proj:     bd.Proj,
	}
}

// loadRanker decodes the bundle's learned ranker for the serving pipeline's feature set. A
// ranker that is corrupt or of another feature set is refused (the blend serves) and the
// bundle's RankerInfo says so; so is one saved while the ranker is off.
func (t *trainer) loadRanker(bd *bundle) *rank.Ranker {
	if bd.Ranker == nil {
		return nil
	}
	info := RankerInfo{}
	if bd.RankerInfo != nil {
		info = *bd.RankerInfo
	}
	defer func() { bd.RankerInfo = &info }()
	if !t.opts.Ranker.Enabled {
		info.Serving, info.Reason = false, "the blend serves: ranker.enabled is false"
		return nil
	}
	rk, err := decodeRanker(bd.Ranker, rank.NewFeatureSet(t.opts.Rank.RankerAttributes))
	if err != nil {
		t.log.Error("saved ranker refused; the blend serves", "version", bd.Version, "err", err)
		info.Serving, info.Reason = false, "the blend serves: the saved ranker was refused at load: "+err.Error()
		return nil
	}
	return rk
}

// loadLatest serves the newest saved bundle, if any.
func (t *trainer) loadLatest(ctx context.Context) error {
	art, err := t.st.LatestArtifact(ctx, artifactKind)
	if err != nil {
		return err
	}
	bd, err := decodeBundle(art)
	if err != nil {
		t.log.Warn("newest model artifact cannot be served; it will be retrained", "version", art.Version, "err", err)
		return store.ErrNotFound
	}
	t.swap(bd, art.Size)
	if err := t.ensureTrainedSpaces(ctx, bd); err != nil {
		return err
	}
	t.log.Info("serving saved model", "version", bd.Version)
	return nil
}

// loadPublished loads a model another process published and swaps it in, unless a local
// training run is in progress (loaded false: the caller looks again later). sharedIndex says
// the publisher wrote the model's vectors into the index every replica uses; otherwise this
// replica writes them into its own. A bundle this binary cannot serve is a badBundle error.
func (t *trainer) loadPublished(ctx context.Context, version string, sharedIndex bool) (loaded bool, err error) {
	if !t.mu.TryLock() {
		return false, nil
	}
	defer t.mu.Unlock()
	art, err := t.st.LoadArtifact(ctx, version)
	if err != nil {
		return false, err
	}
	bd, err := decodeBundle(art)
	if err != nil {
		return false, badBundle{err}
	}
	if sharedIndex {
		t.swap(bd, art.Size)
		if err := t.ensureTrainedSpaces(ctx, bd); err != nil {
			return false, err
		}
	} else {
		var items []recd.Item
		if err := t.st.ScanItems(ctx, func(it recd.Item) error { items = append(items, it); return nil }); err != nil {
			return false, fmt.Errorf("read items: %w", err)
		}
		if err := t.install(ctx, bd, art.Size, items); err != nil {
			return false, fmt.Errorf("install %s: %w", bd.Version, err)
		}
	}
	t.modelsLoaded.Add(1)
	t.log.Info("serving a model published by another process", "version", bd.Version, "created", bd.Created)
	return true, nil
}

// ensureTrainedSpaces creates the spaces a loaded bundle writes, when the index lacks them.
func (t *trainer) ensureTrainedSpaces(ctx context.Context, bd *bundle) error {
	var spaces []index.SpaceConfig
	if bd.ALS != nil {
		spaces = append(spaces, index.SpaceConfig{Name: rank.SpaceCF, Dim: bd.ALS.Options().Factors, Metric: index.Dot})
	}
	if bd.Content != nil {
		spaces = append(spaces, index.SpaceConfig{Name: rank.SpaceContent, Dim: bd.Content.LSA.Dim(), Metric: index.Cosine},
			index.SpaceConfig{Name: rank.SpaceContentSparse, Sparse: true, Metric: index.Dot})
	}
	for _, cfg := range spaces {
		if err := t.vec.createSpace(ctx, cfg); err != nil {
			return fmt.Errorf("create space %s: %w", cfg.Name, err)
		}
	}
	return nil
}

// Models lists saved model versions, newest first, marking the one being served.
func (t *trainer) Models(ctx context.Context) ([]ModelInfo, error) {
	arts, err := t.st.ListArtifacts(ctx)
	if err != nil {
		return nil, err
	}
	cur := ""
	if sv := t.snap.Load(); sv != nil {
		cur = sv.info.Version
	}
	out := make([]ModelInfo, 0, len(arts))
	for _, a := range arts {
		info := ModelInfo{Version: a.Version, Kind: a.Kind, Created: a.Created, Size: a.Size,
			Metrics: a.Metrics, Serving: a.Version == cur}
		if info.Serving {
			info.Ranker = t.snap.Load().info.Ranker
			info.Limits = t.snap.Load().info.Limits
		}
		out = append(out, info)
	}
	return out, nil
}

// RunPeriodicTraining retrains every interval while new events have arrived, until ctx ends.
// An interval in which the follower loaded a model another process published is skipped, so
// replicas sharing a store that all train periodically train about once per interval in all.
func (t *trainer) RunPeriodicTraining(ctx context.Context, every time.Duration) {
	if every <= 0 {
		return
	}
	tk := time.NewTicker(every)
	defer tk.Stop()
	p := periodic{trainedAt: t.live.currentSeq(), loaded: t.modelsLoaded.Load()}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
			seq, train := t.periodicDue(&p)
			if !train {
				continue
			}
			if _, err := t.Train(ctx, false); err == nil {
				p.trainedAt = seq
			}
		}
	}
}

// periodic is runPeriodic's memory between ticks.
type periodic struct {
	trainedAt int64 // the event sequence the last model covers
	loaded    int64 // models the follower had loaded at the last tick
}

// periodicDue decides one tick: train when events arrived since the last model, unless the
// follower loaded a model another process published since the last tick (one training run
// per interval among replicas is enough). It returns the sequence a run would cover.
func (t *trainer) periodicDue(p *periodic) (int64, bool) {
	seq := t.live.currentSeq()
	if seq == p.trainedAt && t.snap.Load() != nil {
		return seq, false
	}
	if n := t.modelsLoaded.Load(); n != p.loaded {
		p.loaded, p.trainedAt = n, seq
		t.log.Info("periodic training skipped: serving a model another process trained")
		return seq, false
	}
	return seq, true
}
