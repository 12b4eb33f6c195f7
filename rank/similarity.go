package rank

import (
	"slices"

	"github.com/recd/recd"
	"github.com/recd/recd/model"
)

// CosineSimilarity returns the cosine Similarity of the given dense vectors (as
// index.Index.Vectors returns them for a request's candidates and recent items). It
// normalises every vector once into one buffer, so each call is two map lookups and a dot
// product; ids without a vector, or with a zero or non-finite vector, have similarity 0 to
// everything. Vectors of another length than the most common are ignored. The result
// does not keep vecs and is safe for concurrent use.
func CosineSimilarity(vecs map[string][]float32) Similarity {
	dim := commonDim(vecs)
	if dim <= 0 {
		return func(string, string) float64 { return 0 }
	}
	buf := make([]float32, 0, dim*len(vecs))
	off := make(map[string]int, len(vecs))
	for id, v := range vecs {
		at := len(buf)
		buf = buf[:at+dim] // within the capacity reserved above
		if !normaliseInto(buf[at:], v) {
			buf = buf[:at] // another length, or a zero or non-finite vector
			continue
		}
		off[id] = at
	}
	return func(a, b string) float64 {
		i, okA := off[a]
		j, okB := off[b]
		if !okA || !okB {
			return 0
		}
		x, y := buf[i:i+dim:i+dim], buf[j:j+dim:j+dim]
		var s float32
		for k := range x {
			s += x[k] * y[k]
		}
		return float64(s)
	}
}

// CategorySimilarity returns the Jaccard index of the candidates' category sets: shared
// categories over all the categories of the two. It is what a reader of the list sees as
// "the same kind" (a comedy-drama and a comedy share one of two), and what the intra-list
// diversity by category measures. Ids not among cands, or without categories, have
// similarity 0 to everything. The result keeps the candidates' category slices (not cands)
// and is safe for concurrent use.
func CategorySimilarity(cands []Candidate) Similarity {
	cats := make(map[string][]string, len(cands))
	for _, c := range cands {
		if len(c.Categories) > 0 {
			cats[c.ID] = c.Categories
		}
	}
	return func(a, b string) float64 { return recd.CategoryJaccard(cats[a], cats[b]) }
}

// commonDim is the most common length among vecs (the longer on a tie): one space has one
// dimension, and a vector of another length is ignored. 0 when vecs is empty.
func commonDim(vecs map[string][]float32) int {
	lens := make(map[int]int, 1)
	dim := 0
	for _, v := range vecs {
		lens[len(v)]++
		if c, d := lens[len(v)], lens[dim]; c > d || c == d && len(v) > dim {
			dim = len(v)
		}
	}
	return dim
}

// MixSimilarity returns w*a + (1-w)*b for w in [0, 1]; w = 1 is a alone, 0 is b alone (a
// nil side counts as 0). It is safe for concurrent use when a and b are.
func MixSimilarity(a Similarity, w float64, b Similarity) Similarity {
	switch {
	case w >= 1:
		return a
	case w <= 0:
		return b
	case a == nil && b == nil:
		return nil
	case a == nil:
		return func(x, y string) float64 { return (1 - w) * b(x, y) }
	case b == nil:
		return func(x, y string) float64 { return w * a(x, y) }
	}
	return func(x, y string) float64 { return w*a(x, y) + (1-w)*b(x, y) }
}

// diversitySimilarity is what MMR diversifies by: category overlap, the CF cosine and the
// content cosine mixed by DiversityCategoryWeight and DiversityCFWeight (content takes the
// rest). Without categories on any candidate their share goes to the content cosine, and
// without a CF model the CF share does.
func (p *Pipeline) diversitySimilarity(cands []Candidate, content Similarity) Similarity {
	wCat, wCF := p.Opts.DiversityCategoryWeight, p.Opts.DiversityCFWeight
	if wCat > 0 && !slices.ContainsFunc(cands, func(c Candidate) bool { return len(c.Categories) > 0 }) {
		wCat = 0
	}
	var cf Similarity
	if wCF > 0 {
		if cf = p.cfSimilarity(); cf == nil {
			wCF = 0
		}
	}
	// w*a + (1-w)*b twice: the category share first, then CF against content in the rest.
	rest := MixSimilarity(cf, wCF/max(1e-12, 1-wCat), content)
	if content == nil && cf != nil {
		rest = cf
	}
	if wCat <= 0 {
		return rest
	}
	return MixSimilarity(CategorySimilarity(cands), wCat, rest)
}

// cfSimilarity returns the cosine of two model items' ALS factors (0 for an item outside
// the model), or nil when the model has no ALS.
func (p *Pipeline) cfSimilarity() Similarity {
	p.cfOnce.Do(func() {
		if p.M.ALS == nil {
			return
		}
		f := p.M.ALS.ItemFactors()
		u := model.Factors{Rows: f.Rows, Dim: f.Dim, Data: make([]float32, len(f.Data))}
		for i := 0; i < f.Rows; i++ {
			normaliseInto(u.Row(i), f.Row(i))
		}
		p.cfUnit = u
	})
	if p.cfUnit.Rows == 0 {
		return nil
	}
	u := p.cfUnit
	return func(a, b string) float64 {
		i, ok := p.M.ItemIndex[a]
		j, ok2 := p.M.ItemIndex[b]
		if !ok || !ok2 || int(i) >= u.Rows || int(j) >= u.Rows {
			return 0
		}
		x, y := u.Row(int(i)), u.Row(int(j))
		var s float32
		for k := range x {
			s += x[k] * y[k]
		}
		return float64(s)
	}
}
