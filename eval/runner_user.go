package eval

import (
	"context"
	"sort"
	"sync"

	"github.com/recd/recd/model"
)

// userEnv is what scoring one user reads: the fitted model, the training data and the
// per-item tables derived from it once per evaluation. Read-only while users are scored.
type userEnv struct {
	rec     model.Recommender
	train   *model.Dataset
	opt     *Options
	sim     func(a, b int32) float64            // ILD similarity (nil: no ILD)
	vecSims map[string]func(a, b int32) float64 // VectorAware spaces
	cats    [][]string                          // categories by item index (nil: none)
	pop     []float64                           // share of training users per item
	floor   float64                             // novelty's popularity floor
}

func newUserEnv(rec model.Recommender, train *model.Dataset, opt *Options) *userEnv {
	e := &userEnv{rec: rec, train: train, opt: opt, sim: opt.Similarity}
	if opt.Categories != nil {
		e.cats = make([][]string, train.NumItems())
		for i, id := range train.Items {
			e.cats[i] = opt.Categories[id]
		}
	}
	if e.sim == nil && e.cats != nil {
		e.sim = CategorySimilarity(e.cats)
	}
	if va, ok := rec.(VectorAware); ok {
		e.vecSims = va.VectorSimilarities(train)
	}
	e.pop = make([]float64, train.NumItems())
	for i := range e.pop {
		e.pop[i] = float64(train.ItemCount[i]) / float64(max(1, train.NumUsers()))
	}
	e.floor = 1 / float64(max(1, train.NumUsers()))
	return e
}

// scoreUsers scores the test users on opt.Workers goroutines; the result is in user id
// order, nil for a user with no usable test item.
func (e *userEnv) scoreUsers(ctx context.Context, test map[string][]string) ([]*UserResult, error) {
	users := make([]string, 0, len(test))
	for u := range test {
		users = append(users, u)
	}
	sort.Strings(users)
	out := make([]*UserResult, len(users))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < e.opt.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			scores := make([]float32, e.train.NumItems())
			for n := range next {
				out[n] = e.evalUser(users[n], test[users[n]], scores)
			}
		}()
	}
	var err error
	for n := range users {
		if err = ctx.Err(); err != nil {
			break
		}
		next <- n
	}
	close(next)
	wg.Wait()
	return out, err
}

// evalUser ranks every training item for one user and scores the top K; nil when none of
// the user's test items can count (unknown to train or already in the user's history).
func (e *userEnv) evalUser(user string, testItems []string, scores []float32) *UserResult {
	rec, train, opt, sim, cats := e.rec, e.train, e.opt, e.sim, e.cats
	k, alpha := opt.K, opt.CalibrationAlpha
	u := -1
	var hist []int32
	var hw []float32
	if x, ok := train.UserIndex[user]; ok {
		u = int(x)
		hist, hw = train.UserRow(u)
	}
	seen := make(map[int32]bool, len(hist))
	for _, it := range hist {
		seen[it] = true
	}
	rel := make(map[int32]bool, len(testItems))
	for _, id := range testItems {
		if i, ok := train.ItemIndex[id]; ok && !seen[i] {
			rel[i] = true
		}
	}
	if len(rel) == 0 {
		return nil
	}
	for i := range scores {
		scores[i] = 0
	}
	rec.Score(u, hist, hw, scores)
	var top []int32
	if opt.Diversity > 0 && sim != nil {
		top = opt.rerank(topKExcluding(scores, max(k, opt.MMRPool), seen), scores, k, opt.Diversity, sim)
	} else {
		top = topKExcluding(scores, k, seen)
	}
	m := map[string]float64{
		MetricPrecision: Precision(top, rel, k),
		MetricRecall:    Recall(top, rel, k),
		MetricNDCG:      NDCG(top, rel, k),
		MetricMAP:       AveragePrecision(top, rel, k),
		MetricMRR:       ReciprocalRank(top, rel, k),
		MetricHitRate:   HitRate(top, rel, k),
		MetricNovelty:   Novelty(top, e.pop, e.floor),
	}
	if sim != nil {
		m[MetricILD] = IntraListDiversity(top, sim)
	}
	for space, vs := range e.vecSims {
		m["ild_"+space] = IntraListDiversity(top, vs)
	}
	if cats != nil {
		hwf := make([]float64, len(hw))
		for i, w := range hw {
			hwf[i] = float64(w)
		}
		m[MetricMiscalibration] = Miscalibration(CategoryDistribution(hist, hwf, cats), CategoryDistribution(top, nil, cats), alpha)
	}
	return &UserResult{User: user, NumTest: len(rel), Items: top, Metrics: m}
}
