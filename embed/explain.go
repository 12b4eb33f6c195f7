package embed

import (
	"cmp"
	"slices"

	"github.com/recd/recd/index"
)

// SharedTerms returns up to n tokens that two TF-IDF vectors from this model share, by
// their contribution to the cosine (a_i·b_i), largest first: the words behind a content
// match, for explanations ("matches 'dinosaur'"). Tokens keep their "cat:" or "tag:"
// prefix; indices outside the vocabulary are ignored.
func (t *TFIDF) SharedTerms(a, b index.SparseVector, n int) []string {
	type contrib struct {
		tok string
		v   float32
	}
	var cs []contrib
	for i, j := 0, 0; i < len(a.Indices) && j < len(b.Indices) && i < len(a.Values) && j < len(b.Values); {
		switch {
		case a.Indices[i] < b.Indices[j]:
			i++
		case a.Indices[i] > b.Indices[j]:
			j++
		default:
			if k := int(a.Indices[i]); k < len(t.terms) {
				if v := a.Values[i] * b.Values[j]; v > 0 {
					cs = append(cs, contrib{t.terms[k].Token, v})
				}
			}
			i++
			j++
		}
	}
	slices.SortStableFunc(cs, func(x, y contrib) int { return cmp.Compare(y.v, x.v) })
	out := make([]string, 0, min(n, len(cs)))
	for _, c := range cs[:min(n, len(cs))] {
		out = append(out, c.tok)
	}
	return out
}
