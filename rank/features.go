package rank

import (
	"context"
	"hash/fnv"
	"math"
	"slices"
)

// rankerSources are the candidate sources whose normalised score, rank and proposal are the
// learned ranker's features. They are the sources a pipeline without a vector index has
// (the one the ranker's labels are made with, see service), so the features of a candidate
// are computed the same way offline and when serving.
var rankerSources = [...]string{"itemknn", "ease", "popular"}

// Windows of the recency features.
const (
	recentWindow = 30 * 86400  // seconds: "popular lately"
	longWindow   = 365 * 86400 // seconds: "popular this year"
	maxProfile   = 200         // newest liked and disliked items the category features read
)

// baseFeatures are the features every ranker has, after the per-source ones.
var baseFeatures = []string{
	"blend_score",        // the hand-weighted blend of the ranker sources
	"item_count_log",     // log(1 + interactions)
	"item_pop_recent",    // interactions in the 30 days before the newest event
	"item_pop_at_user",   // interactions in the 30 days before the user's newest event
	"item_pop_year_user", // interactions in the year before the user's newest event
	"item_age_days",      // the user's newest event minus the item's first
	"item_idle_days",     // the user's newest event minus the item's last before it
	"cat_affinity",       // share of the user's liked items sharing the item's best category
	"cat_disliked",       // share of the user's disliked items sharing one of its categories
	"user_activity_log",  // log(1 + history length)
	"user_idle_days",     // the newest event minus the user's newest
}

// FeatureSet names the learned ranker's features in column order: per ranker source its
// normalised score, rank and whether it proposed the item, the base features, then
// "attr_NAME" for every numeric item attribute configured. It is immutable.
type FeatureSet struct {
	Names []string
	attrs []string
}

// NewFeatureSet returns the feature set with the item attributes named (their order kept,
// duplicates dropped).
func NewFeatureSet(attributes []string) FeatureSet {
	var fs FeatureSet
	for _, s := range rankerSources {
		fs.Names = append(fs.Names, "src_"+s+"_score", "src_"+s+"_rank", "src_"+s+"_proposed")
	}
	fs.Names = append(fs.Names, baseFeatures...)
	for _, a := range attributes {
		if !slices.Contains(fs.attrs, a) {
			fs.attrs = append(fs.attrs, a)
			fs.Names = append(fs.Names, "attr_"+a)
		}
	}
	return fs
}

// Hash identifies the feature set: a model trained on one set is refused by another.
func (fs FeatureSet) Hash() uint64 { return HashFeatures(fs.Names) }

// HashFeatures is the FNV-1a hash of the names, each followed by a zero byte.
func HashFeatures(names []string) uint64 {
	h := fnv.New64a()
	for _, n := range names {
		h.Write([]byte(n))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// userView is what the features read of one request's user, computed once per request.
type userView struct {
	ref, newest int64 // the user's newest event and the run's newest (Unix seconds)
	liked, dis  map[string]float64
	nLiked      float64
	nDis        float64
	activity    float64
}

func (p *Pipeline) userView(r *request) userView {
	u := userView{liked: map[string]float64{}, dis: map[string]float64{}}
	if t := p.M.Times; t != nil {
		u.newest = t.Newest
	}
	u.ref = u.newest
	var last int64
	for _, h := range r.req.History {
		if !h.Last.IsZero() {
			last = max(last, h.Last.Unix())
		}
	}
	if last > 0 {
		u.ref = min(last, u.newest)
	}
	u.activity = math.Log1p(float64(len(r.req.History)))
	liked := make([]string, 0, min(len(r.pos), maxProfile))
	for _, x := range r.pos[:min(len(r.pos), maxProfile)] {
		liked = append(liked, x.ItemID)
	}
	u.nLiked = float64(len(liked))
	p.countCategories(liked, u.liked)
	var disliked []string
	for _, h := range r.req.History {
		if h.Weight <= 0 && len(disliked) < maxProfile {
			disliked = append(disliked, h.ItemID)
		}
	}
	u.nDis = float64(len(disliked))
	p.countCategories(disliked, u.dis)
	return u
}

// countCategories adds one to counts for each category of each item of ids, reading the
// catalog a chunk at a time; an item the catalog lacks counts for no category.
func (p *Pipeline) countCategories(ids []string, counts map[string]float64) {
	var (
		metas [catalogChunk]ItemMeta
		found [catalogChunk]bool
	)
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), catalogChunk)]
		ids = ids[len(chunk):]
		catalogItems(p.Catalog, chunk, metas[:len(chunk)], found[:len(chunk)])
		for k := range chunk {
			for _, c := range metas[k].Categories {
				counts[c]++
			}
		}
	}
}

// features writes the feature rows of the pool's items sel (row-major, len(fs.Names)
// columns, row k for item sel[k]) into X and returns it. A source's score is the best
// normalised score of its entries for the item, its rank the position of the first. It is the
// one feature function: the ranker's training rows and its serving rows both come from here.
// It reads flat arrays only; per item, the catalog and the item index are looked up once.
func (p *Pipeline) features(ctx context.Context, r *request, pool *blendPool, sel []int32, fs FeatureSet, X []float32) ([]float32, error) {
	nf := len(fs.Names)
	X = slices.Grow(X[:0], len(sel)*nf)[:len(sel)*nf]
	clear(X)
	srcOf := rankerSourceOf(pool.lists)
	w, total := r.rankerWeights()
	absent := float32(r.k + 1)
	u := p.userView(r)
	base := 3 * len(rankerSources)
	// The items' recency comes a chunk at a time (RecentAll), from their model indexes.
	// So do their catalog entries (catalogItems: one lock a chunk).
	var (
		idx   [recencyChunk]int32
		rec   [recencyChunk]Recency
		ids   [recencyChunk]string
		metas [recencyChunk]ItemMeta
		found [recencyChunk]bool
	)
	for k, j := range sel {
		c := k % recencyChunk
		if c == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			chunk := sel[k:min(k+recencyChunk, len(sel))]
			for n, cj := range chunk {
				i, ok := p.M.ItemIndex[pool.ids[cj]]
				if !ok {
					i = -1
				}
				idx[n], ids[n] = i, pool.ids[cj]
			}
			p.M.Times.RecentAll(idx[:len(chunk)], u.ref, recentWindow, longWindow, rec[:])
			catalogItems(p.Catalog, ids[:len(chunk)], metas[:], found[:])
		}
		row := X[k*nf : (k+1)*nf]
		var norm [len(rankerSources)]float64
		for s := range rankerSources {
			row[3*s+1] = absent
		}
		for e := pool.head[j]; e >= 0; e = pool.next[e] {
			s := int(srcOf[pool.entryList[e]])
			switch {
			case s < 0:
			case row[3*s+2] == 0:
				row[3*s+1], row[3*s+2], norm[s] = float32(pool.entryItem[e]+1), 1, pool.norm[e]
			default:
				norm[s] = max(norm[s], pool.norm[e])
			}
		}
		blend := 0.0
		for s := range rankerSources {
			row[3*s] = float32(norm[s])
			blend += w[s] * norm[s]
		}
		if total > 0 {
			blend /= total
		}
		row[base] = float32(blend)
		p.itemFeatures(&metas[c], idx[c], &rec[c], &u, fs, row[base:])
	}
	return X, nil
}

// rankerWeights are the weights of the ranker sources in the blend_score feature (0 for a
// source the request has no list of) and their total: the blend of the ranker sources alone,
// so that the feature does not depend on sources only serving has (cf, content) or on the
// cold-item lean.
func (r *request) rankerWeights() (w [len(rankerSources)]float64, total float64) {
	for s, name := range rankerSources {
		if !slices.ContainsFunc(r.lists, func(l SourceList) bool { return l.Name == name }) {
			continue
		}
		var ok bool
		if w[s], ok = r.weights[name]; !ok {
			w[s] = 1
		}
		total += w[s]
	}
	return w, total
}

// itemFeatures writes one candidate's base and attribute features into row: its catalog
// entry m (the zero ItemMeta when the catalog has none), its model index idx (-1 when the
// model does not know it) and its recency at the user's time.
func (p *Pipeline) itemFeatures(m *ItemMeta, idx int32, rec *Recency, u *userView, fs FeatureSet, row []float32) {
	const day = 86400.0
	known := idx >= 0
	if known && int(idx) < len(p.M.Counts) {
		row[1] = float32(math.Log1p(float64(p.M.Counts[idx])))
	}
	if p.M.Times != nil && known {
		row[3], row[4] = float32(rec.NRecent), float32(rec.NLong)
		if u.newest == u.ref {
			row[2] = row[3]
		} else {
			row[2] = float32(rec.AtNewest) // u.newest is t.Newest
		}
		if rec.OK {
			row[5] = float32(float64(u.ref-rec.First) / day)
			row[6] = float32(float64(u.ref-rec.Last) / day)
		} else {
			row[5], row[6] = -1, -1 // not yet seen at the user's time
		}
	}
	for _, cat := range m.Categories {
		if u.nLiked > 0 {
			row[7] = max(row[7], float32(u.liked[cat]/u.nLiked))
		}
		if u.nDis > 0 {
			row[8] = max(row[8], float32(u.dis[cat]/u.nDis))
		}
	}
	row[9] = float32(u.activity)
	row[10] = float32(float64(u.newest-u.ref) / day)
	for a, name := range fs.attrs {
		row[len(baseFeatures)+a] = numeric(m.Attributes[name])
	}
}

// numeric returns an attribute value as a feature: numbers as they are, true as 1, anything
// else (missing, text, lists) as 0.
func numeric(v any) float32 {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return 0
		}
		return float32(x)
	case float32:
		return x
	case int:
		return float32(x)
	case int64:
		return float32(x)
	case bool:
		if x {
			return 1
		}
	}
	return 0
}
