package index

import "sort"

// TopK keeps the k best hits seen so far (a min-heap on score, ties broken by id so results
// are deterministic). The zero value is unusable; use NewTopK. Not safe for concurrent use.
type TopK struct {
	k int
	h []Hit
}

// NewTopK returns a collector for the k best hits.
func NewTopK(k int) *TopK { return &TopK{k: k, h: make([]Hit, 0, min(k, 1024))} }

// worse reports whether a ranks below b.
func worse(a, b Hit) bool {
	if a.Score != b.Score {
		return a.Score < b.Score
	}
	return a.ID > b.ID
}

// Push offers one hit.
func (t *TopK) Push(id string, score float32) {
	if t.k <= 0 {
		return
	}
	hit := Hit{ID: id, Score: score}
	if len(t.h) < t.k {
		t.h = append(t.h, hit)
		t.up(len(t.h) - 1)
		return
	}
	if !worse(t.h[0], hit) {
		return
	}
	t.h[0] = hit
	t.down(0)
}

// Full reports whether k hits are held.
func (t *TopK) Full() bool { return len(t.h) >= t.k }

// Min returns the worst kept score; only meaningful when Full.
func (t *TopK) Min() float32 {
	if len(t.h) == 0 {
		return 0
	}
	return t.h[0].Score
}

// Sorted returns the kept hits best first.
func (t *TopK) Sorted() []Hit {
	out := append([]Hit(nil), t.h...)
	SortHits(out)
	return out
}

// SortHits sorts hits best first (score descending, then id ascending).
func SortHits(h []Hit) {
	sort.Slice(h, func(i, j int) bool { return worse(h[j], h[i]) })
}

func (t *TopK) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !worse(t.h[i], t.h[p]) {
			break
		}
		t.h[i], t.h[p] = t.h[p], t.h[i]
		i = p
	}
}

func (t *TopK) down(i int) {
	n := len(t.h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && worse(t.h[r], t.h[l]) {
			m = r
		}
		if !worse(t.h[m], t.h[i]) {
			return
		}
		t.h[i], t.h[m] = t.h[m], t.h[i]
		i = m
	}
}

// ApplyThreshold drops hits scoring below *th (nil keeps all); hits must be sorted best first.
func ApplyThreshold(hits []Hit, th *float32) []Hit {
	if th == nil {
		return hits
	}
	for i, h := range hits {
		if h.Score < *th {
			return hits[:i]
		}
	}
	return hits
}
