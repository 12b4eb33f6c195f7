package rank

import "math"

// CosineSimilarity returns the cosine Similarity of the given dense vectors (as
// index.Index.Vectors returns them for a request's candidates and recent items). It
// normalises every vector once into one buffer, so each call is two map lookups and a dot
// product; ids without a vector, or with a zero or non-finite vector, have similarity 0 to
// everything. Vectors of another length than the most common are ignored. The result
// does not keep vecs and is safe for concurrent use.
func CosineSimilarity(vecs map[string][]float32) Similarity {
	// The most common length (the longer on a tie) wins; one space has one dimension.
	lens := make(map[int]int, 1)
	dim := 0
	for _, v := range vecs {
		lens[len(v)]++
		if c, d := lens[len(v)], lens[dim]; c > d || c == d && len(v) > dim {
			dim = len(v)
		}
	}
	if dim <= 0 {
		return func(string, string) float64 { return 0 }
	}
	buf := make([]float32, 0, dim*len(vecs))
	off := make(map[string]int, len(vecs))
	for id, v := range vecs {
		if len(v) != dim {
			continue
		}
		var n float64
		for _, x := range v {
			n += float64(x) * float64(x)
		}
		if n == 0 || math.IsNaN(n) || math.IsInf(n, 0) {
			continue
		}
		inv := float32(1 / math.Sqrt(n))
		off[id] = len(buf)
		for _, x := range v {
			buf = append(buf, x*inv)
		}
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
