package service

import (
	"cmp"
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/recd/recd/gbdt"
	"github.com/recd/recd/model"
	"github.com/recd/recd/rank"
)

const (
	rankerValidShare = 0.15  // share of users whose groups validate (early stopping, the blend comparison)
	rankerMinGroups  = 30    // training groups below which no ranker is fitted
	rankerMaxUsers   = 20000 // users a run makes groups of at most, chosen by hash
	rankerK          = 10    // the NDCG cut of training and validation
)

// RankerInfo says whether a training run's learned ranker serves, and why: it serves only
// when its NDCG@10 on the run's validation users beats the blend's on the same candidates.
type RankerInfo struct {
	Serving     bool    `json:"serving"`
	Reason      string  `json:"reason"`
	ValidNDCG   float64 `json:"valid_ndcg"`
	BlendNDCG   float64 `json:"blend_ndcg"`
	Trees       int     `json:"trees"`
	TrainGroups int     `json:"train_groups"`
	ValidGroups int     `json:"valid_groups"`
	Seconds     float64 `json:"train_seconds"`
	// Features and Importance name the features and their share of the trees' gain;
	// Curve is the validation NDCG per boosting round.
	Features   []string  `json:"features,omitempty"`
	Importance []float64 `json:"importance,omitempty"`
	Curve      []float64 `json:"curve,omitempty"`
	// Propensity says what weighted the online labels (nil for offline labels only).
	Propensity *PropensityInfo `json:"propensity,omitempty"`
}

// rankerSet is one side (training or validation) of the ranker's groups.
type rankerSet struct {
	data  gbdt.Dataset
	blend []float64 // the blend's score of each row
	held  []int     // each group's held-out items: the ideal DCG's
}

// fitRanker fits the learned ranker of a run: each user's labels are cut from their
// interactions (LabelSplit), the candidate sources are refitted on the rest (no label ever
// reaches a source that makes a feature), their candidates become the user's group with the
// held-out items as positives, and LambdaMART trains on 85% of the users with early stopping
// on the others. It returns the encoded ranker when it beats the blend there, else nil; info
// says which and why. limit is told when a guard skips the ranker or samples its users.
func (t *trainer) fitRanker(ctx context.Context, td *trainData, limit func(action, reason string)) (blob []byte, info RankerInfo, err error) {
	start := time.Now()
	defer func() { info.Seconds = time.Since(start).Seconds() }()
	o := t.opts.Ranker
	by := td.te.byUser(len(td.d.Users))
	labels, err := labelSplit(td.te, by, td.d, o)
	if err != nil {
		return nil, info, err
	}
	p := t.labelPipeline(ctx, td, labels)
	maxUsers := cmp.Or(o.maxUsers, rankerMaxUsers)
	tr, va, err := rankerGroups(ctx, p, labelInput{td.te, by, td.d, labels}, t.opts.Weights, o.Seed, maxUsers)
	if err != nil {
		return nil, info, err
	}
	if n := len(labels.test); n > maxUsers {
		limit(LimitLimited, fmt.Sprintf("ranker groups made of about %d of the %d users with labels, chosen by hash", maxUsers, n))
	}
	train := &tr.data
	if o.Labels != LabelsOffline {
		logged, prop, err := t.loggedDataset(ctx, p.Features().Names)
		info.Propensity = &prop
		if err != nil {
			return nil, info, err
		}
		train = withLogged(train, logged, o.Labels)
	}
	info.TrainGroups, info.ValidGroups = len(train.Group), len(va.data.Group)
	if info.TrainGroups < rankerMinGroups || info.ValidGroups < rankerMinGroups/3 {
		info.Reason = fmt.Sprintf("the blend serves: too little data for a ranker (%d training and %d validation users with held-out items among their candidates)",
			info.TrainGroups, info.ValidGroups)
		limit(LimitSkipped, info.Reason)
		return nil, info, nil
	}
	params := gbdt.DefaultParams()
	params.Trees, params.NDCGAt, params.Seed = o.Trees, rankerK, o.Seed
	m, err := gbdt.TrainLambdaMART(ctx, train, &va.data, params, nil)
	if err != nil {
		return nil, info, fmt.Errorf("train ranker: %w", err)
	}
	fs := p.Features()
	info.Features, info.Importance, info.Curve = fs.Names, shares(m.Importance()), m.Curve()
	info.Trees = m.NumTrees()
	scores := make([]float64, len(va.data.Label))
	m.PredictRows(va.data.X, scores)
	info.ValidNDCG, info.BlendNDCG = va.ndcg(scores), va.ndcg(va.blend)
	if !(info.ValidNDCG > info.BlendNDCG) && !o.Ungated {
		info.Reason = fmt.Sprintf("the blend serves: the ranker's NDCG@%d on %d validation users is %.4f, the blend's %.4f",
			rankerK, info.ValidGroups, info.ValidNDCG, info.BlendNDCG)
		return nil, info, nil
	}
	mb, err := m.MarshalBinary()
	if err != nil {
		return nil, info, fmt.Errorf("encode ranker: %w", err)
	}
	info.Serving = true
	info.Reason = fmt.Sprintf("the ranker serves: NDCG@%d on %d validation users %.4f, the blend's %.4f",
		rankerK, info.ValidGroups, info.ValidNDCG, info.BlendNDCG)
	if !(info.ValidNDCG > info.BlendNDCG) {
		info.Reason = fmt.Sprintf("the ranker serves ungated (ranker options): NDCG@%d on %d validation users %.4f, below the blend's %.4f",
			rankerK, info.ValidGroups, info.ValidNDCG, info.BlendNDCG)
	}
	return encodeRanker(fs.Names, mb), info, nil
}

// labelPipeline fits the candidate sources the ranker's features come from (popularity,
// item-kNN, EASE) on the events that are not labels and returns a pipeline over them, with no
// vector index (the index holds the served model's vectors, fitted on the labels too) and the
// blend scoring.
func (t *trainer) labelPipeline(ctx context.Context, td *trainData, labels *rankerLabels) *rank.Pipeline {
	b := model.NewBuilder(t.opts.Weights)
	b.Grow(td.te.len() - labels.heldEvents())
	for _, it := range td.items {
		b.AddItem(it.ID)
	}
	te := td.te
	for k := range int32(te.len()) {
		if labels.trains(k) {
			b.Add(te.event(k, td.d))
		}
	}
	d := b.Build()
	at := make([]int32, len(td.d.Items)) // the run's item index -> this dataset's
	for i, id := range td.d.Items {
		at[i] = -1
		if j, ok := d.ItemIndex[id]; ok {
			at[i] = j
		}
	}
	times := te.itemTimes(len(d.Items), func(k int32) bool { return labels.trains(k) }, func(i int32) int32 { return at[i] })
	m := &rank.Models{Version: "ranker-labels", Items: d.Items, ItemIndex: d.ItemIndex, Pop: model.NewPopularity(),
		KNN: model.NewItemKNN(t.opts.KNN), Counts: d.ItemCount, Times: times}
	if err := m.Pop.Fit(ctx, d); err != nil {
		t.log.Warn("ranker labels: popularity not fitted", "err", err)
	}
	if err := m.KNN.Fit(ctx, d); err != nil {
		t.log.Warn("ranker labels: item-kNN not fitted", "err", err)
	}
	if d.NNZ() > 0 && t.opts.EASE.MaxItems > 0 {
		ease := model.NewEASE(t.opts.EASE)
		if err := ease.Fit(ctx, d); err == nil {
			m.EASE = ease
		}
	}
	opts := t.opts.Rank
	opts.BlendOnly = true
	return rank.NewPipeline(m, t.live, nil, nil, opts)
}

// share maps a user to [0, 1) by a seeded hash (FNV-1a, then the splitmix64 finaliser, as
// FNV's high bits differ little between short ids): the validation users and the sample of
// users a large run trains on.
func share(user string, seed uint64, salt byte) float64 {
	h := fnv.New64a()
	h.Write([]byte{salt})
	h.Write([]byte(user))
	x := h.Sum64() ^ seed*0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	x ^= x >> 31
	return float64(x>>11) / (1 << 53)
}

// labelInput is what the ranker's groups are made of: the run's events, grouped by user, its
// dataset's ids and the label split.
type labelInput struct {
	te     *trainEvents
	by     userOrder
	d      *model.Dataset
	labels *rankerLabels
}

// rankerGroups makes one group per user with held-out items: the candidates the label
// pipeline proposes for the user's remaining history, labelled 1 when held out.
func rankerGroups(ctx context.Context, p *rank.Pipeline, in labelInput, w model.Weights, seed uint64, maxUsers int) (tr, va *rankerSet, err error) {
	users := make([]string, 0, len(in.labels.test))
	for u := range in.labels.test {
		users = append(users, u)
	}
	slices.Sort(users)
	keep := min(1, float64(maxUsers)/float64(max(len(users), 1)))
	nf := len(p.Features().Names)
	names := p.Features().Names
	tr = &rankerSet{data: gbdt.Dataset{NumFeatures: nf, Names: names}}
	va = &rankerSet{data: gbdt.Dataset{NumFeatures: nf, Names: names}}
	for _, u := range users {
		if share(u, seed, 's') >= keep {
			continue
		}
		hist := labelHistory(in.d.UserIndex[u], in.te, in.by, in.d, in.labels, w)
		if len(hist) == 0 {
			continue
		}
		ex, err := p.RankerCandidates(ctx, rank.Request{History: hist, N: rankerK})
		if err != nil {
			return nil, nil, err
		}
		set := tr
		if share(u, seed, 'v') < rankerValidShare {
			set = va
		}
		set.add(ex, in.labels.test[u])
	}
	return tr, va, nil
}

// add appends a user's candidates as one group, unless none of them is held out.
func (s *rankerSet) add(ex *rank.RankerExamples, held []string) {
	labels := make([]float32, len(ex.IDs))
	pos := 0
	for j, id := range ex.IDs {
		if _, ok := slices.BinarySearch(held, id); ok {
			labels[j], pos = 1, pos+1
		}
	}
	if pos == 0 {
		return
	}
	s.data.X = append(s.data.X, ex.X...)
	s.data.Label = append(s.data.Label, labels...)
	s.data.Group = append(s.data.Group, len(ex.IDs))
	s.blend = append(s.blend, ex.Blend...)
	s.held = append(s.held, len(held))
}

// ndcg is the mean NDCG@rankerK of the groups ordered by scores (ties by row order), the
// ideal DCG over all of a group's held-out items, so that candidates that missed count.
func (s *rankerSet) ndcg(scores []float64) float64 {
	total, off := 0.0, 0
	for g, n := range s.data.Group {
		order := make([]int, n)
		for k := range order {
			order[k] = off + k
		}
		sort.SliceStable(order, func(a, b int) bool { return scores[order[a]] > scores[order[b]] })
		dcg, idcg := 0.0, 0.0
		for r := 0; r < min(rankerK, n); r++ {
			if s.data.Label[order[r]] > 0 {
				dcg += 1 / math.Log2(float64(r+2))
			}
		}
		for r := 0; r < min(rankerK, s.held[g]); r++ {
			idcg += 1 / math.Log2(float64(r+2))
		}
		total += dcg / idcg
		off += n
	}
	return total / float64(max(len(s.data.Group), 1))
}

// shares scales gains to shares of their sum.
func shares(gains []float64) []float64 {
	total := 0.0
	for _, g := range gains {
		total += g
	}
	out := make([]float64, len(gains))
	for i, g := range gains {
		if total > 0 {
			out[i] = g / total
		}
	}
	return out
}
