package service

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/embed"
	"github.com/recd/recd/index"
	"github.com/recd/recd/model"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/store"
)

// artifactKind is the kind of the artifact holding a whole serving bundle.
const artifactKind = "bundle"

// bundleFormat is bumped whenever bundle's encoding changes; older artifacts are retrained.
const bundleFormat = 2

// bundle is what a training run saves: every model of one version.
type bundle struct {
	Format  int
	Version string
	Created time.Time
	Items   []string
	Counts  []int32
	Pop     *model.Popularity
	KNN     *model.ItemKNN
	ALS     *model.ALS          // nil when there were no interactions
	EASE    *model.EASE         // nil when the catalog is too large to invert
	Content *embed.ContentModel // nil when the catalog has no text
	Proj    *embed.Projection   // nil when too few items have both content and CF vectors
	Stats   TrainStats
}

// TrainStats describe a training run.
type TrainStats struct {
	Users     int     `json:"users"`
	Items     int     `json:"items"`
	Events    int     `json:"events"`
	NNZ       int     `json:"interactions"`
	Neighbors int     `json:"neighbors"`
	Factors   int     `json:"factors"`
	Vocab     int     `json:"vocabulary"`
	Seconds   float64 `json:"train_seconds"`
}

// ModelInfo describes a model version.
type ModelInfo struct {
	Version string             `json:"version"`
	Kind    string             `json:"kind"`
	Created time.Time          `json:"created"`
	Size    int64              `json:"size_bytes"`
	Metrics map[string]float64 `json:"metrics,omitempty"`
	Serving bool               `json:"serving"`
}

// Train reads the store, fits every model, saves a versioned artifact and swaps the serving
// snapshot atomically; requests in flight finish on the old one. Only one run at a time:
// a concurrent call returns ErrTrainingRunning.
func (s *Service) Train(ctx context.Context) (ModelInfo, error) {
	if !s.trainMu.TryLock() {
		return ModelInfo{}, ErrTrainingRunning
	}
	defer s.trainMu.Unlock()
	start := time.Now()
	info, err := s.trainSafely(ctx)
	s.Metrics.TrainSeconds.Observe(time.Since(start).Seconds())
	if err != nil {
		s.Metrics.TrainRuns.WithLabelValues("error").Inc()
		s.log.Error("training failed", "err", err)
		return ModelInfo{}, err
	}
	s.Metrics.TrainRuns.WithLabelValues("ok").Inc()
	s.log.Info("trained", "version", info.Version, "metrics", info.Metrics, "elapsed", time.Since(start).Round(time.Millisecond))
	return info, nil
}

// trainSafely runs train, turning a panic in a model's fit into an error so that a bad
// training run cannot take the server down; the previous snapshot keeps serving.
func (s *Service) trainSafely(ctx context.Context) (info ModelInfo, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("training panicked: %v", v)
		}
	}()
	return s.train(ctx)
}

// progress reports one finished training step to the log and the progress callback.
type progress struct {
	s     *Service
	done  int
	total int
	start time.Time
}

func (p *progress) step(name string, attrs ...any) {
	p.done++
	p.s.log.Info("training", append([]any{"step", name, "progress", fmt.Sprintf("%d/%d", p.done, p.total),
		"elapsed", time.Since(p.start).Round(time.Millisecond)}, attrs...)...)
	if f := p.s.opts.TrainProgress; f != nil {
		f(name, p.done, p.total)
	}
}

func (s *Service) train(ctx context.Context) (ModelInfo, error) {
	start := time.Now()
	// read, popularity, item-kNN, ALS iterations, EASE, content, save, index
	pr := &progress{s: s, total: 7 + s.opts.ALS.Iterations, start: start}
	b := model.NewBuilder(s.opts.Weights)
	var items []recd.Item
	if err := s.st.ScanItems(ctx, func(it recd.Item) error { b.AddItem(it.ID); items = append(items, it); return nil }); err != nil {
		return ModelInfo{}, fmt.Errorf("read items: %w", err)
	}
	events := 0
	if err := s.st.ScanEvents(ctx, 0, func(e recd.Event) error { events++; b.Add(e); return nil }); err != nil {
		return ModelInfo{}, fmt.Errorf("read events: %w", err)
	}
	d := b.Build()
	pr.step("read", "items", d.NumItems(), "users", d.NumUsers(), "events", events)
	bd := &bundle{Format: bundleFormat, Items: d.Items, Counts: d.ItemCount, Pop: model.NewPopularity(),
		KNN: model.NewItemKNN(s.opts.KNN)}
	if err := bd.Pop.Fit(ctx, d); err != nil {
		return ModelInfo{}, fmt.Errorf("fit popularity: %w", err)
	}
	pr.step("popularity")
	if err := bd.KNN.Fit(ctx, d); err != nil {
		return ModelInfo{}, fmt.Errorf("fit item-knn: %w", err)
	}
	pr.step("item-knn", "neighbours", bd.KNN.Size())
	if d.NNZ() > 0 {
		ao := s.opts.ALS
		ao.Progress = func(iter int, loss float64, _ time.Duration) {
			pr.step("als", "iteration", iter, "loss", fmt.Sprintf("%.4g", loss))
		}
		bd.ALS = model.NewALS(ao)
		if err := bd.ALS.Fit(ctx, d); err != nil {
			return ModelInfo{}, fmt.Errorf("fit als: %w", err)
		}
	} else {
		pr.done += s.opts.ALS.Iterations
	}
	if d.NNZ() > 0 && s.opts.EASE.MaxItems > 0 {
		ease := model.NewEASE(s.opts.EASE)
		switch err := ease.Fit(ctx, d); {
		case err == nil:
			bd.EASE = ease
		case errors.Is(err, ctx.Err()):
			return ModelInfo{}, err
		default:
			s.log.Warn("EASE not trained; serving without it", "err", err)
		}
	}
	pr.step("ease", "trained", bd.EASE != nil)
	cm, err := embed.FitContent(items, s.opts.TFIDF, s.opts.LSA)
	switch {
	case errors.Is(err, embed.ErrNoContent):
		s.log.Info("no item text to fit a content model")
	case err != nil:
		return ModelInfo{}, fmt.Errorf("fit content model: %w", err)
	default:
		bd.Content = cm
		bd.Proj = s.fitProjection(items, bd)
	}
	pr.step("content", "trained", bd.Content != nil)
	now := time.Now().UTC()
	if sv := s.snap.Load(); sv != nil && !now.After(sv.info.Created) {
		now = sv.info.Created.Add(time.Microsecond) // versions are unique and increasing
	}
	bd.Version, bd.Created = now.Format("20060102T150405.000000Z"), now
	bd.Stats = TrainStats{Users: d.NumUsers(), Items: d.NumItems(), Events: events, NNZ: d.NNZ(),
		Neighbors: bd.KNN.Size(), Seconds: time.Since(start).Seconds()}
	if bd.ALS != nil {
		bd.Stats.Factors = bd.ALS.Options().Factors
	}
	if bd.Content != nil {
		bd.Stats.Vocab = len(bd.Content.TFIDF.Vocabulary())
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(bd); err != nil {
		return ModelInfo{}, fmt.Errorf("encode models: %w", err)
	}
	art := store.Artifact{Version: bd.Version, Kind: artifactKind, Created: now, Metrics: bd.Stats.metrics(),
		Size: int64(buf.Len()), Blob: buf.Bytes()}
	if err := s.st.SaveArtifact(ctx, art); err != nil {
		return ModelInfo{}, fmt.Errorf("save models: %w", err)
	}
	pr.step("save", "version", bd.Version, "bytes", art.Size)
	if err := s.install(ctx, bd, art.Size, items); err != nil {
		return ModelInfo{}, err
	}
	pr.step("index")
	if err := s.SaveIndex(ctx); err != nil {
		s.log.Error("index snapshot after training failed", "err", err)
	}
	return s.snap.Load().info, nil
}

// fitProjection fits the content-to-CF ridge projection on items that have both vectors.
func (s *Service) fitProjection(items []recd.Item, bd *bundle) *embed.Projection {
	if bd.ALS == nil || bd.Content == nil {
		return nil
	}
	idx := make(map[string]int, len(bd.Items))
	for i, id := range bd.Items {
		idx[id] = i
	}
	var x, y [][]float32
	for _, it := range items {
		i, ok := idx[it.ID]
		if !ok || bd.Counts[i] == 0 {
			continue
		}
		if _, dense, ok := bd.Content.EmbedItem(it); ok {
			x = append(x, dense)
			y = append(y, bd.ALS.ItemFactors().Row(i))
		}
	}
	if len(x) < 10 {
		return nil
	}
	p, err := embed.FitProjection(x, y, s.opts.ProjectionL2)
	if err != nil {
		s.log.Warn("content-to-CF projection not fitted", "err", err)
		return nil
	}
	return p
}

// install swaps a bundle in as the serving snapshot and writes its vectors (CF factors,
// content vectors, projected CF vectors of cold items) into the index.
func (s *Service) install(ctx context.Context, bd *bundle, size int64, items []recd.Item) error {
	s.swap(bd, size)
	if err := s.ensureTrainedSpaces(ctx, bd); err != nil {
		return err
	}
	start := time.Now()
	s.writeMu.RLock()
	defer s.writeMu.RUnlock()
	if err := s.indexItems(ctx, items, false); err != nil {
		return err
	}
	s.log.Info("indexed item vectors", "items", len(items), "elapsed", time.Since(start).Round(time.Millisecond))
	return nil
}

func (t TrainStats) metrics() map[string]float64 {
	return map[string]float64{"users": float64(t.Users), "items": float64(t.Items), "events": float64(t.Events),
		"interactions": float64(t.NNZ), "neighbors": float64(t.Neighbors), "factors": float64(t.Factors),
		"vocabulary": float64(t.Vocab), "train_seconds": t.Seconds}
}

// swap installs a bundle as the serving snapshot and rebuilds the query parser's vocabulary
// from the live catalog.
func (s *Service) swap(bd *bundle, size int64) {
	idx := make(map[string]int32, len(bd.Items))
	counts := make(map[string]int, len(bd.Items))
	for i, id := range bd.Items {
		idx[id] = int32(i)
		if bd.Counts[i] > 0 {
			counts[id] = int(bd.Counts[i])
		}
	}
	tail, err := rank.LongTailSet(counts, s.opts.HeadShare)
	if err != nil {
		s.log.Warn("long-tail set not built", "err", err)
	}
	m := &rank.Models{Version: bd.Version, Items: bd.Items, ItemIndex: idx, Pop: bd.Pop, KNN: bd.KNN,
		ALS: bd.ALS, EASE: bd.EASE, Tail: tail, Counts: bd.Counts}
	s.snap.Store(&serving{
		info: ModelInfo{Version: bd.Version, Kind: artifactKind, Created: bd.Created, Size: size,
			Metrics: bd.Stats.metrics(), Serving: true},
		models:   m,
		pipeline: rank.NewPipeline(m, s, s.idx, s.exposure, s.opts.Rank),
		content:  bd.Content,
		proj:     bd.Proj,
	})
	s.refreshVocabulary(counts)
}

// loadLatest serves the newest saved bundle, if any.
func (s *Service) loadLatest(ctx context.Context) error {
	art, err := s.st.LatestArtifact(ctx, artifactKind)
	if err != nil {
		return err
	}
	bd, err := decodeBundle(art)
	if err != nil {
		s.log.Warn("newest model artifact cannot be served; it will be retrained", "version", art.Version, "err", err)
		return store.ErrNotFound
	}
	s.swap(bd, art.Size)
	if err := s.ensureTrainedSpaces(ctx, bd); err != nil {
		return err
	}
	s.log.Info("serving saved model", "version", bd.Version)
	return nil
}

// decodeBundle decodes a saved bundle and checks that this binary can serve it.
func decodeBundle(art store.Artifact) (*bundle, error) {
	var bd bundle
	if err := gob.NewDecoder(bytes.NewReader(art.Blob)).Decode(&bd); err != nil {
		return nil, fmt.Errorf("decode model %s: %w", art.Version, err)
	}
	if bd.Format != bundleFormat || bd.Pop == nil || bd.KNN == nil || len(bd.KNN.Neighbors) != len(bd.Items) ||
		len(bd.Counts) != len(bd.Items) {
		return nil, fmt.Errorf("model %s has format %d, this binary serves %d", art.Version, bd.Format, bundleFormat)
	}
	return &bd, nil
}

// Models lists saved model versions, newest first, marking the one being served.
func (s *Service) Models(ctx context.Context) ([]ModelInfo, error) {
	arts, err := s.st.ListArtifacts(ctx)
	if err != nil {
		return nil, err
	}
	cur := ""
	if sv := s.snap.Load(); sv != nil {
		cur = sv.info.Version
	}
	out := make([]ModelInfo, 0, len(arts))
	for _, a := range arts {
		out = append(out, ModelInfo{Version: a.Version, Kind: a.Kind, Created: a.Created, Size: a.Size,
			Metrics: a.Metrics, Serving: a.Version == cur})
	}
	return out, nil
}

// RunPeriodicTraining retrains every interval while new events have arrived, until ctx ends.
// An interval in which the follower loaded a model another process published is skipped, so
// replicas sharing a store that all train periodically train about once per interval in all.
func (s *Service) RunPeriodicTraining(ctx context.Context, every time.Duration) {
	if every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	p := periodic{trainedAt: s.currentSeq(), loaded: s.follow.modelsLoaded.Load()}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			seq, train := s.periodicDue(&p)
			if !train {
				continue
			}
			if _, err := s.Train(ctx); err == nil {
				p.trainedAt = seq
			}
		}
	}
}

// periodic is RunPeriodicTraining's memory between ticks.
type periodic struct {
	trainedAt int64 // the event sequence the last model covers
	loaded    int64 // models the follower had loaded at the last tick
}

// periodicDue decides one tick: train when events arrived since the last model, unless the
// follower loaded a model another process published since the last tick (one training run
// per interval among replicas is enough). It returns the sequence a run would cover.
func (s *Service) periodicDue(p *periodic) (int64, bool) {
	seq := s.currentSeq()
	if seq == p.trainedAt && s.snap.Load() != nil {
		return seq, false
	}
	if n := s.follow.modelsLoaded.Load(); n != p.loaded {
		p.loaded, p.trainedAt = n, seq
		s.log.Info("periodic training skipped: serving a model another process trained")
		return seq, false
	}
	return seq, true
}

func (s *Service) currentSeq() int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.lastSeq
}

// ensureTrainedSpaces creates the spaces a loaded bundle writes, when the index lacks them.
func (s *Service) ensureTrainedSpaces(ctx context.Context, bd *bundle) error {
	var spaces []index.SpaceConfig
	if bd.ALS != nil {
		spaces = append(spaces, index.SpaceConfig{Name: rank.SpaceCF, Dim: bd.ALS.Options().Factors, Metric: index.Dot})
	}
	if bd.Content != nil {
		spaces = append(spaces, index.SpaceConfig{Name: rank.SpaceContent, Dim: bd.Content.LSA.Dim(), Metric: index.Cosine},
			index.SpaceConfig{Name: rank.SpaceContentSparse, Sparse: true, Metric: index.Dot})
	}
	for _, cfg := range spaces {
		if err := s.createSpace(ctx, cfg); err != nil {
			return fmt.Errorf("create space %s: %w", cfg.Name, err)
		}
	}
	return nil
}
