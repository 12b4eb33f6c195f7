package service

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/embed"
	"github.com/recd/recd/model"
	"github.com/recd/recd/store"
)

// trainer turns the store into a model bundle and publishes it as the serving snapshot: it is
// the snapshot's only writer (snap), whether it trained the bundle or loaded one another
// process published, and it prunes the store's old versions after each run (train_versions.go).
// mu is held for a whole training run (skip check, fit, save, install, prune) or load, so
// that one runs at a time; modelsLoaded is an atomic. Safe for concurrent use.
type trainer struct {
	opts    *Options
	st      store.Store
	log     *slog.Logger
	metrics *Metrics
	snap    *atomic.Pointer[serving]
	live    liveState
	vec     *vectors
	// vocabulary rebuilds the query parser's vocabulary after a swap (counts: interactions
	// per item).
	vocabulary func(counts map[string]int)
	// pinned lists the versions the stored experiments pin, which prune keeps (nil: none).
	pinned func(context.Context) ([]string, error)

	mu           sync.Mutex
	modelsLoaded atomic.Int64 // models published by another process and loaded
}

// Train reads the store, fits every model, saves a versioned artifact, swaps the serving
// snapshot atomically (requests in flight finish on the old one) and prunes old versions
// (see prune). When neither events nor the catalog changed since the version being served,
// which is also the newest saved, it writes nothing and returns that version's info with
// Skipped set; force trains anyway. Only one run at a time: a concurrent call returns
// ErrTrainingRunning.
func (t *trainer) Train(ctx context.Context, force bool) (ModelInfo, error) {
	if !t.mu.TryLock() {
		return ModelInfo{}, ErrTrainingRunning
	}
	defer t.mu.Unlock()
	start := time.Now()
	in, err := t.readMark(ctx)
	if err != nil {
		t.metrics.TrainRuns.WithLabelValues("error").Inc()
		return ModelInfo{}, err
	}
	if !force {
		if info, ok, err := t.upToDate(ctx, in); err != nil || ok {
			if ok {
				t.metrics.TrainRuns.WithLabelValues("skipped").Inc()
				t.log.Info("training skipped", "reason", info.Reason)
			}
			return info, err
		}
	}
	info, err := t.trainSafely(ctx, in)
	t.metrics.TrainSeconds.Observe(time.Since(start).Seconds())
	if err != nil {
		t.metrics.TrainRuns.WithLabelValues("error").Inc()
		t.log.Error("training failed", "err", err)
		return ModelInfo{}, err
	}
	t.metrics.TrainRuns.WithLabelValues("ok").Inc()
	t.log.Info("trained", "version", info.Version, "metrics", info.Metrics, "elapsed", time.Since(start).Round(time.Millisecond))
	t.prune(ctx)
	return info, nil
}

// trainSafely runs train, turning a panic in a model's fit into an error so that a bad
// training run cannot take the server down; the previous snapshot keeps serving.
func (t *trainer) trainSafely(ctx context.Context, in inputMark) (info ModelInfo, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("training panicked: %v", v)
		}
	}()
	return t.train(ctx, in)
}

// progress reports one finished training step to the log and the progress callback.
type progress struct {
	t     *trainer
	done  int
	total int
	start time.Time
}

func (p *progress) step(name string, attrs ...any) {
	p.done++
	p.t.log.Info("training", append([]any{"step", name, "progress", fmt.Sprintf("%d/%d", p.done, p.total),
		"elapsed", time.Since(p.start).Round(time.Millisecond)}, attrs...)...)
	if f := p.t.opts.TrainProgress; f != nil {
		f(name, p.done, p.total)
	}
}

// trainData is what a run reads from the store.
type trainData struct {
	d      *model.Dataset
	items  []recd.Item
	events int
	te     *trainEvents // the events themselves, kept when the ranker trains
}

// train fits and publishes one version; in is the store's state read before the run, saved
// with the version so that the next run can tell whether anything changed.
func (t *trainer) train(ctx context.Context, in inputMark) (ModelInfo, error) {
	start := time.Now()
	// read, popularity, item-kNN, ALS iterations, EASE, content, save, index
	pr := &progress{t: t, total: 8 + t.opts.ALS.Iterations, start: start}
	td, err := t.read(ctx, int(in.Events))
	if err != nil {
		return ModelInfo{}, err
	}
	pr.step("read", "items", td.d.NumItems(), "users", td.d.NumUsers(), "events", td.events)
	bd, err := t.fit(ctx, td, pr)
	if err != nil {
		return ModelInfo{}, err
	}
	if err := t.fitRankerStep(ctx, td, bd, pr); err != nil {
		return ModelInfo{}, err
	}
	now := time.Now().UTC()
	if sv := t.snap.Load(); sv != nil && !now.After(sv.info.Created) {
		now = sv.info.Created.Add(time.Microsecond) // versions are unique and increasing
	}
	bd.Version, bd.Created = now.Format("20060102T150405.000000Z"), now
	bd.Stats = statsOf(td, bd, time.Since(start))
	bd.Stats.Input = in
	td.d, td.te = nil, nil // the events and the matrix are garbage from here: not held through the save
	size, err := t.save(ctx, bd)
	if err != nil {
		return ModelInfo{}, err
	}
	pr.step("save", "version", bd.Version, "bytes", size)
	if err := t.install(ctx, bd, size, td.items); err != nil {
		return ModelInfo{}, err
	}
	pr.step("index")
	if err := t.vec.SaveIndex(ctx); err != nil {
		t.log.Error("index snapshot after training failed", "err", err)
	}
	return t.snap.Load().info, nil
}

// read reads the catalog and every event into a training dataset; about says how many
// events the store held when the run started (0: unknown), to size the arrays once.
func (t *trainer) read(ctx context.Context, about int) (*trainData, error) {
	b := model.NewBuilder(t.opts.Weights)
	b.Grow(about)
	td := &trainData{}
	if err := t.st.ScanItems(ctx, func(it recd.Item) error { b.AddItem(it.ID); td.items = append(td.items, it); return nil }); err != nil {
		return nil, fmt.Errorf("read items: %w", err)
	}
	if t.opts.Ranker.Enabled {
		td.te = newTrainEvents(about)
	}
	if err := t.st.ScanEvents(ctx, 0, func(e recd.Event) error {
		td.events++
		u, i := b.AddIndex(e)
		if td.te != nil {
			td.te.add(u, i, e)
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	td.d = b.Build()
	return td, nil
}

// fit fits every model of a bundle: popularity, item-kNN, ALS, EASE and the content model.
func (t *trainer) fit(ctx context.Context, td *trainData, pr *progress) (*bundle, error) {
	d := td.d
	bd := &bundle{Format: bundleFormat, Items: d.Items, Counts: d.ItemCount, Pop: model.NewPopularity(),
		KNN: model.NewItemKNN(t.opts.KNN)}
	if err := bd.Pop.Fit(ctx, d); err != nil {
		return nil, fmt.Errorf("fit popularity: %w", err)
	}
	pr.step("popularity")
	if err := bd.KNN.Fit(ctx, d); err != nil {
		return nil, fmt.Errorf("fit item-knn: %w", err)
	}
	if n := bd.KNN.SampledUsers(); n > 0 {
		t.limit(bd, "itemknn", LimitLimited, fmt.Sprintf("co-occurrences of the %d users with more than %d items counted from a fixed sample of that many of their items (train.knn.max_user_items)",
			n, t.opts.KNN.MaxUserItems))
	}
	pr.step("item-knn", "neighbours", bd.KNN.Size())
	if d.NNZ() > 0 {
		ao := t.opts.ALS
		ao.Progress = func(iter int, loss float64, _ time.Duration) {
			pr.step("als", "iteration", iter, "loss", fmt.Sprintf("%.4g", loss))
		}
		bd.ALS = model.NewALS(ao)
		if err := bd.ALS.Fit(ctx, d); err != nil {
			return nil, fmt.Errorf("fit als: %w", err)
		}
	} else {
		pr.done += t.opts.ALS.Iterations
	}
	if d.NNZ() > 0 && t.opts.EASE.MaxItems > 0 {
		ease := model.NewEASE(t.opts.EASE)
		switch err := ease.Fit(ctx, d); {
		case err == nil:
			bd.EASE = ease
		case errors.Is(err, ctx.Err()):
			return nil, err
		default:
			t.limit(bd, "ease", LimitSkipped, "EASE not trained; the version serves without it: "+err.Error())
		}
	}
	pr.step("ease", "trained", bd.EASE != nil)
	if err := t.fitContent(td.items, bd); err != nil {
		return nil, err
	}
	pr.step("content", "trained", bd.Content != nil)
	return bd, nil
}

// fitRankerStep fits the learned ranker into bd when it is enabled (see fitRanker). Only a
// cancelled context fails the run: a ranker that cannot be trained leaves the blend serving,
// and the bundle's RankerInfo says why.
func (t *trainer) fitRankerStep(ctx context.Context, td *trainData, bd *bundle, pr *progress) error {
	if !t.opts.Ranker.Enabled {
		pr.step("ranker", "enabled", false)
		return nil
	}
	bd.Times = td.te.itemTimes(len(td.d.Items), func(int32) bool { return true }, func(i int32) int32 { return i })
	blob, info, err := t.fitRanker(ctx, td, func(action, reason string) { t.limit(bd, "ranker", action, reason) })
	switch {
	case err != nil && ctx.Err() != nil:
		return ctx.Err()
	case err != nil:
		info.Reason = "the blend serves: ranker training failed: " + err.Error()
		t.limit(bd, "ranker", LimitSkipped, info.Reason)
	}
	bd.Ranker, bd.RankerInfo = blob, &info
	pr.step("ranker", "serving", info.Serving, "reason", info.Reason)
	return nil
}

// fitContent fits the content model and the content-to-CF projection, when items have text.
func (t *trainer) fitContent(items []recd.Item, bd *bundle) error {
	cm, err := embed.FitContent(items, t.opts.TFIDF, t.opts.LSA)
	switch {
	case errors.Is(err, embed.ErrNoContent):
		t.log.Info("no item text to fit a content model")
	case err != nil:
		return fmt.Errorf("fit content model: %w", err)
	default:
		bd.Content = cm
		bd.Proj = t.fitProjection(items, bd)
	}
	return nil
}

func statsOf(td *trainData, bd *bundle, elapsed time.Duration) TrainStats {
	d := td.d
	s := TrainStats{Users: d.NumUsers(), Items: d.NumItems(), Events: td.events, NNZ: d.NNZ(),
		Neighbors: bd.KNN.Size(), Seconds: elapsed.Seconds()}
	if bd.ALS != nil {
		s.Factors = bd.ALS.Options().Factors
	}
	if bd.Content != nil {
		s.Vocab = len(bd.Content.TFIDF.Vocabulary())
	}
	return s
}

// save stores the bundle as a versioned artifact and returns its size.
func (t *trainer) save(ctx context.Context, bd *bundle) (int64, error) {
	// What is saved differs from what serves in place: the times packed, and ALS without
	// the user vectors a decoded model does not read. At 100M events the bundle was over the
	// 1 GB a store takes in one blob; saved this way it is 572 MB.
	saved := *bd
	saved.Times = bd.Times.Pack()
	if bd.ALS != nil {
		saved.ALS = bd.ALS.WithoutUsers()
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&saved); err != nil {
		return 0, fmt.Errorf("encode models: %w", err)
	}
	art := store.Artifact{Version: bd.Version, Kind: artifactKind, Created: bd.Created, Metrics: bd.Stats.metrics(),
		Size: int64(buf.Len()), Blob: buf.Bytes()}
	if err := t.st.SaveArtifact(ctx, art); err != nil {
		return 0, fmt.Errorf("save models: %w", err)
	}
	return art.Size, nil
}

// fitProjection fits the content-to-CF ridge projection on items that have both vectors.
func (t *trainer) fitProjection(items []recd.Item, bd *bundle) *embed.Projection {
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
	p, err := embed.FitProjection(x, y, t.opts.ProjectionL2)
	if err != nil {
		t.log.Warn("content-to-CF projection not fitted", "err", err)
		return nil
	}
	return p
}
