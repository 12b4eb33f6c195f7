package service

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/model"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/store"
)

// artifactKind is the kind of the artifact holding a whole serving bundle.
const artifactKind = "bundle"

// bundleFormat is bumped whenever bundle's encoding changes; older artifacts are retrained.
const bundleFormat = 1

// bundle is what a training run saves: every model of one version.
type bundle struct {
	Format  int
	Version string
	Created time.Time
	Items   []string
	Pop     *model.Popularity
	KNN     *model.ItemKNN
	Stats   TrainStats
}

// TrainStats describe a training run.
type TrainStats struct {
	Users     int     `json:"users"`
	Items     int     `json:"items"`
	Events    int     `json:"events"`
	NNZ       int     `json:"interactions"`
	Neighbors int     `json:"neighbors"`
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
	info, err := s.train(ctx)
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

func (s *Service) train(ctx context.Context) (ModelInfo, error) {
	start := time.Now()
	b := model.NewBuilder(s.opts.Weights)
	if err := s.st.ScanItems(ctx, func(it recd.Item) error { b.AddItem(it.ID); return nil }); err != nil {
		return ModelInfo{}, fmt.Errorf("read items: %w", err)
	}
	events := 0
	if err := s.st.ScanEvents(ctx, 0, func(e recd.Event) error { events++; b.Add(e); return nil }); err != nil {
		return ModelInfo{}, fmt.Errorf("read events: %w", err)
	}
	d := b.Build()
	pop := model.NewPopularity()
	if err := pop.Fit(ctx, d); err != nil {
		return ModelInfo{}, fmt.Errorf("fit popularity: %w", err)
	}
	knn := model.NewItemKNN(s.opts.KNN)
	if err := knn.Fit(ctx, d); err != nil {
		return ModelInfo{}, fmt.Errorf("fit item-knn: %w", err)
	}
	now := time.Now().UTC()
	if sv := s.snap.Load(); sv != nil && !now.After(sv.info.Created) {
		now = sv.info.Created.Add(time.Microsecond) // versions are unique and increasing
	}
	bd := &bundle{Format: bundleFormat, Version: now.Format("20060102T150405.000000Z"), Created: now,
		Items: d.Items, Pop: pop, KNN: knn,
		Stats: TrainStats{Users: d.NumUsers(), Items: d.NumItems(), Events: events, NNZ: d.NNZ(),
			Neighbors: knn.Size(), Seconds: time.Since(start).Seconds()}}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(bd); err != nil {
		return ModelInfo{}, fmt.Errorf("encode models: %w", err)
	}
	art := store.Artifact{Version: bd.Version, Kind: artifactKind, Created: now, Metrics: bd.Stats.metrics(),
		Size: int64(buf.Len()), Blob: buf.Bytes()}
	if err := s.st.SaveArtifact(ctx, art); err != nil {
		return ModelInfo{}, fmt.Errorf("save models: %w", err)
	}
	s.swap(bd, art.Size)
	return s.snap.Load().info, nil
}

func (t TrainStats) metrics() map[string]float64 {
	return map[string]float64{"users": float64(t.Users), "items": float64(t.Items), "events": float64(t.Events),
		"interactions": float64(t.NNZ), "neighbors": float64(t.Neighbors), "train_seconds": t.Seconds}
}

// swap installs a bundle as the serving snapshot.
func (s *Service) swap(bd *bundle, size int64) {
	idx := make(map[string]int32, len(bd.Items))
	for i, id := range bd.Items {
		idx[id] = int32(i)
	}
	m := &rank.Models{Version: bd.Version, Items: bd.Items, ItemIndex: idx, Pop: bd.Pop, KNN: bd.KNN}
	s.snap.Store(&serving{
		info: ModelInfo{Version: bd.Version, Kind: artifactKind, Created: bd.Created, Size: size,
			Metrics: bd.Stats.metrics(), Serving: true},
		models:   m,
		pipeline: rank.NewPipeline(m, s),
	})
}

// loadLatest serves the newest saved bundle, if any.
func (s *Service) loadLatest(ctx context.Context) error {
	art, err := s.st.LatestArtifact(ctx, artifactKind)
	if err != nil {
		return err
	}
	var bd bundle
	if err := gob.NewDecoder(bytes.NewReader(art.Blob)).Decode(&bd); err != nil {
		s.log.Warn("newest model artifact cannot be decoded; it will be retrained", "version", art.Version, "err", err)
		return store.ErrNotFound
	}
	if bd.Format != bundleFormat || bd.Pop == nil || bd.KNN == nil || len(bd.KNN.Neighbors) != len(bd.Items) {
		s.log.Warn("newest model artifact has another format; it will be retrained", "version", art.Version)
		return store.ErrNotFound
	}
	s.swap(&bd, art.Size)
	s.log.Info("serving saved model", "version", bd.Version)
	return nil
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
func (s *Service) RunPeriodicTraining(ctx context.Context, every time.Duration) {
	if every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	trainedAt := s.currentSeq()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			seq := s.currentSeq()
			if seq == trainedAt && s.snap.Load() != nil {
				continue
			}
			if _, err := s.Train(ctx); err == nil {
				trainedAt = seq
			}
		}
	}
}

func (s *Service) currentSeq() int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.lastSeq
}
