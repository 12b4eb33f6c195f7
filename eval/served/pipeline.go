// Package served evaluates the served recommendation pipeline offline: Pipeline is a
// model.Recommender that builds a real service from a training split and answers each user
// with the list a request would get, and Space searches its blend weights with eval.Tune.
// It is a package of its own so that package eval (splits and metrics, which the rank and
// model tests use) does not depend on the service and, through it, on rank.
package served

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/recd/recd"
	"github.com/recd/recd/eval"
	"github.com/recd/recd/index"
	"github.com/recd/recd/model"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/service"
	"github.com/recd/recd/store"
)

// Name is the served pipeline's name in `recd eval --models` and `recd tune --model` with the
// hand-weighted blend scoring; RankerName its name with the learned ranker trained and
// serving (when it beats the blend on its validation users, see service.RankerInfo).
const (
	Name       = "hybrid"
	RankerName = "ranker"
)

// Backends opens the store and the vector index a Pipeline's service runs on, both kept in
// dir, a fresh temporary directory per fit. The binary wires the backends (the embedded
// SQLite store and HNSW index), so this package imports none.
type Backends func(dir string) (store.Store, index.Index, error)

// Pipeline evaluates the served pipeline end to end: Fit builds a service (store and index
// from Backends in a temporary directory) from the training split and the catalog and
// trains it as `recd train` would; Score asks it for the user's recommendations, with
// diversity and calibration as the options configure them. It implements eval.ItemAware,
// eval.VectorAware, eval.ListLengthAware and io.Closer.
//
// Fit, SetItems, SetListLength and Close must not run concurrently with anything else;
// Score and the VectorSimilarities functions are safe for concurrent use after Fit.
type Pipeline struct {
	opts   service.Options
	open   Backends
	log    io.Writer // where a failed request is reported
	n      int       // list length asked for (the evaluation's k)
	name   string
	events []recd.Event // the training events, with their times; nil: from the dataset
	ranker *service.RankerInfo

	items []recd.Item
	dir   string
	st    store.Store
	idx   index.Index
	svc   *service.Service
	users []string         // training user index → id
	index map[string]int32 // item id → training item index
}

var (
	_ model.Recommender    = (*Pipeline)(nil)
	_ eval.ItemAware       = (*Pipeline)(nil)
	_ eval.VectorAware     = (*Pipeline)(nil)
	_ eval.ListLengthAware = (*Pipeline)(nil)
	_ eval.EventAware      = (*Pipeline)(nil)
	_ eval.Learner         = (*Pipeline)(nil)
	_ io.Closer            = (*Pipeline)(nil)
)

// New returns an unfitted pipeline with the service options opts (the configuration's: the
// index, state directory and spaces are replaced by the fit's own), asking for 10 items
// until the evaluation sets its k. Failed requests are logged to log (nil: discarded).
func New(opts service.Options, open Backends, log io.Writer) *Pipeline {
	if log == nil {
		log = io.Discard
	}
	opts.Ranker.Enabled = false
	return &Pipeline{opts: opts, open: open, log: log, n: 10, name: Name}
}

// NewRanker is New with the learned ranker on: Fit trains it after the sources, as `recd
// train` does, and it serves when it beats the blend on its validation users.
func NewRanker(opts service.Options, open Backends, log io.Writer) *Pipeline {
	p := New(opts, open, log)
	p.opts.Ranker.Enabled, p.name = true, RankerName
	return p
}

// Name implements model.Recommender.
func (p *Pipeline) Name() string { return p.name }

// SetTrainEvents implements eval.EventAware: Fit loads these events, with their times, in
// place of the dataset's pairs.
func (p *Pipeline) SetTrainEvents(events []recd.Event) { p.events = events }

// LearnedRanking implements eval.Learner: whether the fitted service's learned ranker serves
// and why, its feature importance and its learning curve (nil before Fit or with the ranker
// off).
func (p *Pipeline) LearnedRanking() *eval.LearnedRanking {
	if p.ranker == nil {
		return nil
	}
	return &eval.LearnedRanking{Model: p.name, Note: p.ranker.Reason, Features: p.ranker.Features,
		Importance: p.ranker.Importance, Curve: p.ranker.Curve}
}

// SetItems implements eval.ItemAware: the catalog feeds the content model.
func (p *Pipeline) SetItems(items []recd.Item) { p.items = items }

// SetListLength implements eval.ListLengthAware: Score asks for k items.
func (p *Pipeline) SetListLength(k int) { p.n = k }

// Fit builds and trains the service on d. A second Fit closes the first one's service.
func (p *Pipeline) Fit(ctx context.Context, d *model.Dataset) error {
	if err := p.Close(); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "recd-eval-hybrid-")
	if err != nil {
		return err
	}
	p.dir = dir
	if p.st, p.idx, err = p.open(dir); err != nil {
		return fmt.Errorf("hybrid: open: %w", err)
	}
	o := p.opts
	o.Index, o.StateDir, o.Spaces = p.idx, "", nil
	o.Weights = model.Weights{Default: 1}
	if p.svc, err = service.New(ctx, p.st, o); err != nil {
		return err
	}
	if err := load(ctx, p.svc, p.items, d, p.events); err != nil {
		return err
	}
	info, err := p.svc.Train(ctx)
	if err != nil {
		return fmt.Errorf("%s: train: %w", p.name, err)
	}
	if p.ranker = info.Ranker; p.ranker != nil {
		fmt.Fprintf(p.log, "%s: %s (%d trees, %.1fs)\n", p.name, p.ranker.Reason, p.ranker.Trees, p.ranker.Seconds)
	}
	p.users, p.index = d.Users, d.ItemIndex
	return nil
}

// Score ranks the user's list as served (the evaluation's k items, best scored k, the
// next k-1, ...); every other item scores 0.
func (p *Pipeline) Score(u int, _ []int32, _ []float32, dst []float32) {
	clear(dst)
	if u < 0 || u >= len(p.users) {
		return
	}
	// The ranking knobs take the configuration's defaults (all off unless RECD_RANK_* or the
	// config file set them), so the trade-offs of the served stages can be measured.
	resp, err := p.svc.Recommend(context.Background(), service.RecommendRequest{UserID: p.users[u], N: p.n})
	if err != nil {
		fmt.Fprintf(p.log, "hybrid: user %s: %v\n", p.users[u], err)
		return
	}
	for r, it := range resp.Items {
		if i, ok := p.index[it.ID]; ok {
			dst[i] = float32(len(resp.Items) - r)
		}
	}
}

// VectorSimilarities implements eval.VectorAware: the cosine of two training items' vectors
// as the served index holds them (rank.CosineSimilarity), in the content space (what MMR's
// similarity reads) and the CF space.
func (p *Pipeline) VectorSimilarities(train *model.Dataset) map[string]func(a, b int32) float64 {
	if p.idx == nil {
		return nil
	}
	out := map[string]func(a, b int32) float64{}
	for _, space := range []string{rank.SpaceContent, rank.SpaceCF} {
		vecs, err := p.idx.Vectors(context.Background(), space, train.Items)
		if err != nil || len(vecs) == 0 {
			continue
		}
		cos, items := rank.CosineSimilarity(vecs), train.Items
		out[space] = func(a, b int32) float64 { return cos(items[a], items[b]) }
	}
	return out
}

// Close closes the service and the store and removes the temporary directory; the pipeline
// can be fitted again. It returns the first error.
func (p *Pipeline) Close() error {
	var err error
	if p.svc != nil {
		err = p.svc.Close()
	}
	if p.st != nil {
		if cerr := p.st.Close(); err == nil {
			err = cerr
		}
	}
	if p.dir != "" {
		if rerr := os.RemoveAll(p.dir); err == nil {
			err = rerr
		}
	}
	p.svc, p.st, p.idx, p.dir, p.ranker = nil, nil, nil, "", nil
	return err
}
