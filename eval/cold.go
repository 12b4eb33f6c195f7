package eval

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/recd/recd"
	"github.com/recd/recd/embed"
	"github.com/recd/recd/index"
)

// ColdItemSplit holds out every event of a seeded random share of the items that have
// events: those items are cold (no interaction in training), and a user's test items are
// the cold items they interacted with. Users with no training event are left out of the
// test (nothing is known of them). Cold comes back sorted.
func ColdItemSplit(events []recd.Event, fraction float64, seed uint64) (split *Split, cold []string, err error) {
	if err := checkFraction(fraction); err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	var ids []string
	for _, e := range events {
		if !seen[e.ItemID] {
			seen[e.ItemID] = true
			ids = append(ids, e.ItemID)
		}
	}
	sort.Strings(ids)
	rng := rand.New(rand.NewPCG(seed, 0x636f6c646974656d))
	rng.Shuffle(len(ids), func(a, b int) { ids[a], ids[b] = ids[b], ids[a] })
	n := int(math.Round(fraction * float64(len(ids))))
	isCold := make(map[string]bool, n)
	for _, id := range ids[:n] {
		isCold[id] = true
	}
	split = &Split{Test: map[string][]string{}}
	hasTrain := map[string]bool{}
	testSet := map[pairKey]bool{}
	for _, e := range events {
		if !isCold[e.ItemID] {
			split.Train = append(split.Train, e)
			hasTrain[e.UserID] = true
		} else if !testSet[pairKey{e.UserID, e.ItemID}] {
			testSet[pairKey{e.UserID, e.ItemID}] = true
		}
	}
	for p := range testSet {
		if hasTrain[p.user] {
			split.Test[p.user] = append(split.Test[p.user], p.item)
		}
	}
	for _, its := range split.Test {
		sort.Strings(its)
	}
	cold = ids[:n]
	sort.Strings(cold)
	return split, cold, nil
}

// ColdOptions configure EvaluateCold.
type ColdOptions struct {
	// K is the list length recall is cut at.
	K int
	// TFIDF tokenises the items (its GeneratedTextWeight decides whether generated
	// descriptions count).
	TFIDF embed.TFIDFOptions
	// LSA, when not nil, ranks by LSA vectors fitted on the TF-IDF vectors instead.
	LSA *embed.LSAOptions
}

// ColdResult is the outcome of EvaluateCold.
type ColdResult struct {
	Recall    float64 `json:"recall"`     // mean over test users of hits@K / |their cold items|
	Users     int     `json:"users"`      // test users
	Pairs     int     `json:"pairs"`      // held-out (user, cold item) pairs
	ColdItems int     `json:"cold_items"` // candidates: every cold item with content
	// RandomRecall is the expected recall of a random ranking of the candidates.
	RandomRecall float64 `json:"random_recall"`
}

// EvaluateCold ranks the cold items for every test user by content alone, the cosine
// between an item's vector and the user's profile (the sum of the unit vectors of the items
// the user interacted with in training), and returns recall at K of the user's held-out cold
// items. The content model is fitted on the whole catalog's content, which needs no event.
func EvaluateCold(split *Split, cold []string, items []recd.Item, o ColdOptions) (ColdResult, error) {
	var res ColdResult
	if o.K <= 0 {
		return res, recd.Invalid("k", "must be positive")
	}
	tf, err := embed.FitTFIDF(items, o.TFIDF)
	if err != nil {
		return res, err
	}
	vec := func(it recd.Item) map[int]float64 { return sparseMap(tf.Transform(it)) }
	if o.LSA != nil {
		lsa, err := embed.FitLSA(tf, items, *o.LSA)
		if err != nil {
			return res, err
		}
		vec = func(it recd.Item) map[int]float64 { return denseMap(lsa.Embed(tf.Transform(it))) }
	}
	vecs := make(map[string]map[int]float64, len(items))
	for _, it := range items {
		vecs[it.ID] = vec(it)
	}
	var cands []string
	for _, id := range cold {
		if len(vecs[id]) > 0 {
			cands = append(cands, id)
		}
	}
	res.ColdItems = len(cands)
	if len(cands) == 0 {
		return res, fmt.Errorf("cold evaluation: no cold item has content")
	}
	profiles := userProfiles(split.Train, vecs)
	users := make([]string, 0, len(split.Test))
	for u := range split.Test {
		users = append(users, u)
	}
	sort.Strings(users)
	var sum float64
	scores := make([]float64, len(cands))
	order := make([]int, len(cands))
	for _, u := range users {
		prof := profiles[u]
		for i, id := range cands {
			scores[i] = dot(prof, vecs[id])
			order[i] = i
		}
		sort.SliceStable(order, func(a, b int) bool { return scores[order[a]] > scores[order[b]] })
		want := map[string]bool{}
		for _, id := range split.Test[u] {
			want[id] = true
		}
		hits := 0
		for _, i := range order[:min(o.K, len(order))] {
			if want[cands[i]] {
				hits++
			}
		}
		sum += float64(hits) / float64(len(want))
		res.Pairs += len(want)
	}
	res.Users = len(users)
	if res.Users > 0 {
		res.Recall = sum / float64(res.Users)
	}
	res.RandomRecall = math.Min(1, float64(o.K)/float64(len(cands)))
	return res, nil
}

// userProfiles sums, per user, the vectors of the distinct items of their training events.
func userProfiles(train []recd.Event, vecs map[string]map[int]float64) map[string]map[int]float64 {
	out := map[string]map[int]float64{}
	seen := map[pairKey]bool{}
	for _, e := range train {
		if seen[pairKey{e.UserID, e.ItemID}] {
			continue
		}
		seen[pairKey{e.UserID, e.ItemID}] = true
		p := out[e.UserID]
		if p == nil {
			p = map[int]float64{}
			out[e.UserID] = p
		}
		for k, v := range vecs[e.ItemID] {
			p[k] += v
		}
	}
	return out
}

func sparseMap(sv index.SparseVector) map[int]float64 {
	m := make(map[int]float64, len(sv.Indices))
	for i, k := range sv.Indices {
		m[int(k)] = float64(sv.Values[i])
	}
	return m
}

func denseMap(v []float32) map[int]float64 {
	var norm float64
	for _, x := range v {
		norm += float64(x) * float64(x)
	}
	m := make(map[int]float64, len(v))
	if norm == 0 {
		return m
	}
	inv := 1 / math.Sqrt(norm)
	for i, x := range v {
		m[i] = float64(x) * inv
	}
	return m
}

func dot(a, b map[int]float64) float64 {
	if len(a) > len(b) {
		a, b = b, a
	}
	// Summed in key order, not the map's random order: scores equal in exact arithmetic
	// must compare equal, or the ranking's ties fall by rounding noise and the recall of a
	// run is not reproducible.
	var s float64
	for _, k := range slices.Sorted(maps.Keys(a)) {
		s += a[k] * b[k]
	}
	return s
}
