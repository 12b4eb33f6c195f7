package eval

import (
	"context"
	"encoding"
	"fmt"
	"runtime"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/model"
)

// Metric names used in Result.Metrics and UserResult.Metrics.
const (
	MetricPrecision      = "precision"
	MetricRecall         = "recall"
	MetricNDCG           = "ndcg"
	MetricMAP            = "map"
	MetricMRR            = "mrr"
	MetricHitRate        = "hit_rate"
	MetricILD            = "ild"
	MetricILDContent     = "ild_content" // ILD on content vectors (VectorAware)
	MetricILDCF          = "ild_cf"      // ILD on CF vectors (VectorAware)
	MetricNovelty        = "novelty"
	MetricMiscalibration = "miscalibration"
	MetricCoverage       = "coverage" // aggregate only
	MetricGini           = "gini"     // aggregate only
	MetricRMSE           = "rmse"     // aggregate only, rating predictors only
	MetricMAE            = "mae"      // aggregate only, rating predictors only
)

// RatingPredictor is implemented by models that predict explicit rating values; the runner
// reports RMSE and MAE for them when Options.TestRatings is set.
type RatingPredictor interface {
	PredictRating(u int, item int32) float64
}

// Sizer is implemented by models that know their serialised size without marshalling;
// otherwise Evaluate measures encoding.BinaryMarshaler output.
type Sizer interface {
	SizeBytes() int64
}

// Rating is one held-out rating value for RMSE/MAE.
type Rating struct {
	User, Item string
	Value      float64
}

// Options configures an evaluation run.
type Options struct {
	// K is the list length every metric is cut at. Default 10.
	K int
	// Workers is the number of users scored in parallel; 0 means GOMAXPROCS.
	Workers int
	// Categories maps an item id to its categories; it enables intra-list diversity (Jaccard
	// of categories) and miscalibration. Nil disables both unless Similarity is set.
	Categories map[string][]string
	// Similarity, when set, replaces the category Jaccard similarity for intra-list diversity;
	// it receives training item indexes and must be safe for concurrent use.
	Similarity func(a, b int32) float64
	// CalibrationAlpha is the smoothing of Steck's miscalibration KL. Default 0.01.
	CalibrationAlpha float64
	// TestRatings are held-out rating values for RMSE/MAE (used only for RatingPredictors).
	TestRatings []Rating
	// Diversity, in [0, 1], re-ranks each user's top MMRPool items by maximal marginal
	// relevance with the ILD similarity before cutting at K (0: off). It traces the
	// accuracy-diversity trade-off offline; it is not the served pipeline.
	Diversity float64
	// MMRPool is the number of top-scored items MMR chooses from. Default 100.
	MMRPool int
	// Diversifier is the re-ranker Diversity drives: DiversifierMMR (default, the served
	// pipeline's), DiversifierMeanMMR or DiversifierDPP.
	Diversifier string

	rerank reranker
}

// DefaultOptions returns k = 10 on all cores with alpha 0.01.
func DefaultOptions() Options { return Options{K: 10, CalibrationAlpha: 0.01} }

// UserResult is one test user's outcome.
type UserResult struct {
	User    string             `json:"user"`
	NumTest int                `json:"num_test"` // relevant items after dropping unknown and seen ones
	Items   []int32            `json:"items"`    // the top-K training item indexes recommended
	Metrics map[string]float64 `json:"metrics"`
}

// Result is one model's evaluation. Metrics holds per-user means plus the aggregate metrics.
type Result struct {
	Model     string             `json:"model"`
	K         int                `json:"k"`
	Users     int                `json:"users"`
	Metrics   map[string]float64 `json:"metrics"`
	TrainTime time.Duration      `json:"train_time_ns"`
	EvalTime  time.Duration      `json:"eval_time_ns"`
	// Size is the serialised model size in bytes, or 0 when the model cannot be marshalled.
	Size    int64        `json:"size_bytes"`
	PerUser []UserResult `json:"-"`
	// Exposure counts, per training item index, how many lists the item appears in.
	Exposure []float64 `json:"-"`
}

// Evaluate fits rec on train (timing the fit) and then evaluates it with EvaluateFitted.
func Evaluate(ctx context.Context, rec model.Recommender, train *model.Dataset, test map[string][]string, opt Options) (*Result, error) {
	start := time.Now()
	if err := rec.Fit(ctx, train); err != nil {
		return nil, fmt.Errorf("fit %s: %w", rec.Name(), err)
	}
	trainTime := time.Since(start)
	r, err := EvaluateFitted(ctx, rec, train, test, opt)
	if err != nil {
		return nil, err
	}
	r.TrainTime = trainTime
	if sz, ok := rec.(Sizer); ok {
		r.Size = sz.SizeBytes()
	} else if m, ok := rec.(encoding.BinaryMarshaler); ok {
		if b, err := m.MarshalBinary(); err == nil {
			r.Size = int64(len(b))
		}
	}
	return r, nil
}

// EvaluateFitted ranks every training item for every test user with a fitted rec (full
// ranking, never sampled negatives), excludes the items the user has in train, and scores
// the top K against the user's test items. Test items unknown to train or already in the
// user's training history are dropped; users left with no test item are skipped. Users are
// scored in parallel; PerUser comes out sorted by user id. A ListLengthAware rec is told K
// before any user is scored.
func EvaluateFitted(ctx context.Context, rec model.Recommender, train *model.Dataset, test map[string][]string, opt Options) (*Result, error) {
	if err := opt.prepare(train); err != nil {
		return nil, err
	}
	if la, ok := rec.(ListLengthAware); ok {
		la.SetListLength(opt.K)
	}
	start := time.Now()
	env := newUserEnv(rec, train, &opt)
	out, err := env.scoreUsers(ctx, test)
	if err != nil {
		return nil, fmt.Errorf("evaluate %s: %w", rec.Name(), err)
	}
	r := aggregate(rec.Name(), opt.K, out, train.NumItems())
	if rp, ok := rec.(RatingPredictor); ok && len(opt.TestRatings) > 0 {
		ratingMetrics(r, rp, train, opt.TestRatings)
	}
	r.EvalTime = time.Since(start)
	return r, nil
}

// prepare validates the options and fills in the defaults of the zero values.
func (opt *Options) prepare(train *model.Dataset) error {
	if opt.K <= 0 {
		return recd.Invalid("k", fmt.Sprintf("must be positive, got %d", opt.K))
	}
	if train.NumItems() == 0 {
		return recd.Invalid("train", "no items")
	}
	if opt.CalibrationAlpha <= 0 {
		opt.CalibrationAlpha = 0.01
	}
	if opt.Diversity < 0 || opt.Diversity > 1 {
		return recd.Invalid("diversity", "must be in [0, 1]")
	}
	if opt.MMRPool <= 0 {
		opt.MMRPool = 100
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	var err error
	opt.rerank, err = diversifier(opt.Diversifier)
	return err
}

// aggregate averages the per-user metrics and adds the list-level ones (coverage, Gini).
func aggregate(name string, k int, out []*UserResult, numItems int) *Result {
	r := &Result{Model: name, K: k, Metrics: map[string]float64{}, Exposure: make([]float64, numItems)}
	lists := make([][]int32, 0, len(out))
	for _, ur := range out {
		if ur == nil {
			continue
		}
		r.PerUser = append(r.PerUser, *ur)
		lists = append(lists, ur.Items)
		for name, v := range ur.Metrics {
			r.Metrics[name] += v
		}
		for _, it := range ur.Items {
			r.Exposure[it]++
		}
	}
	r.Users = len(r.PerUser)
	for name := range r.Metrics {
		r.Metrics[name] /= float64(max(1, r.Users))
	}
	r.Metrics[MetricCoverage] = Coverage(lists, numItems)
	r.Metrics[MetricGini] = Gini(r.Exposure)
	return r
}

// ratingMetrics adds RMSE and MAE over the held-out ratings of items known to train.
func ratingMetrics(r *Result, rp RatingPredictor, train *model.Dataset, ratings []Rating) {
	var pred, act []float64
	for _, t := range ratings {
		i, ok := train.ItemIndex[t.Item]
		if !ok {
			continue
		}
		u := -1
		if x, ok := train.UserIndex[t.User]; ok {
			u = int(x)
		}
		pred = append(pred, rp.PredictRating(u, i))
		act = append(act, t.Value)
	}
	if len(pred) > 0 {
		r.Metrics[MetricRMSE] = RMSE(pred, act)
		r.Metrics[MetricMAE] = MAE(pred, act)
	}
}
