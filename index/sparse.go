package index

import (
	"math"
	"sync"
)

// SparseIndex is an exact inverted index over sparse vectors, for one sparse space. Scores
// follow the space metric: dot product, cosine (vectors and queries normalised) or the
// negated Euclidean distance. Only documents sharing at least one index with the query are
// candidates, as in Qdrant's sparse search.
//
// Writes (Upsert, Delete) need exclusive access; Search, Get and Len may run concurrently
// with each other. The owning index provides the locking.
type SparseIndex struct {
	metric   Metric
	ids      []string
	pos      map[string]int32
	vecs     []SparseVector // nil Indices for dead slots
	norm2    []float32
	postings map[uint32]*postingList
	dead     int
	accs     sync.Pool // *sparseAcc
}

type postingList struct {
	docs []int32
	vals []float32
}

type sparseAcc struct {
	score   []float32
	touched []int32
}

// NewSparseIndex returns an empty inverted index scoring by m.
func NewSparseIndex(m Metric) *SparseIndex {
	return &SparseIndex{metric: m, pos: map[string]int32{}, postings: map[uint32]*postingList{}}
}

// Len returns the number of live vectors.
func (s *SparseIndex) Len() int { return len(s.pos) }

// Get returns the stored vector of id (normalised for cosine).
func (s *SparseIndex) Get(id string) (SparseVector, bool) {
	p, ok := s.pos[id]
	if !ok {
		return SparseVector{}, false
	}
	return s.vecs[p], true
}

// Each calls fn for every live vector, in insertion order.
func (s *SparseIndex) Each(fn func(id string, v SparseVector)) {
	for i, v := range s.vecs {
		if v.Indices != nil {
			fn(s.ids[i], v)
		}
	}
}

// Upsert stores v (already validated) under id, replacing any previous vector.
func (s *SparseIndex) Upsert(id string, v SparseVector) {
	s.Delete(id)
	v = SparseVector{Indices: append([]uint32(nil), v.Indices...), Values: append([]float32(nil), v.Values...)}
	if s.metric == Cosine {
		Normalize(v.Values)
	}
	slot := int32(len(s.ids))
	s.ids = append(s.ids, id)
	s.vecs = append(s.vecs, v)
	s.norm2 = append(s.norm2, DotProduct(v.Values, v.Values))
	s.pos[id] = slot
	for j, ix := range v.Indices {
		pl := s.postings[ix]
		if pl == nil {
			pl = &postingList{}
			s.postings[ix] = pl
		}
		pl.docs = append(pl.docs, slot)
		pl.vals = append(pl.vals, v.Values[j])
	}
}

// Delete removes id; unknown ids are ignored. Dead slots are skipped by searches and
// reclaimed by a rebuild once they outnumber the live ones.
func (s *SparseIndex) Delete(id string) {
	p, ok := s.pos[id]
	if !ok {
		return
	}
	delete(s.pos, id)
	s.vecs[p] = SparseVector{}
	s.dead++
	if s.dead > 1024 && s.dead > len(s.pos) {
		s.compact()
	}
}

func (s *SparseIndex) compact() {
	ids, vecs := s.ids, s.vecs
	s.ids, s.vecs, s.norm2, s.dead = nil, nil, nil, 0
	s.pos = make(map[string]int32, len(s.pos))
	s.postings = map[uint32]*postingList{}
	m := s.metric
	s.metric = Dot // vectors are already normalised; do not normalise twice
	for i, v := range vecs {
		if v.Indices != nil {
			s.Upsert(ids[i], v)
		}
	}
	s.metric = m
}

// Search returns up to k best documents for q (validated) that allow accepts (nil: all).
func (s *SparseIndex) Search(q SparseVector, k int, allow func(id string) bool) []Hit {
	qv := q.Values
	if s.metric == Cosine {
		qv = append([]float32(nil), qv...)
		Normalize(qv)
	}
	acc, _ := s.accs.Get().(*sparseAcc)
	if acc == nil {
		acc = &sparseAcc{}
	}
	if cap(acc.score) < len(s.ids) {
		acc.score = make([]float32, len(s.ids))
	}
	acc.score = acc.score[:len(s.ids)]
	touched := acc.touched[:0]
	for j, ix := range q.Indices {
		pl := s.postings[ix]
		if pl == nil {
			continue
		}
		w := qv[j]
		for n, d := range pl.docs {
			if s.vecs[d].Indices == nil {
				continue
			}
			if acc.score[d] == 0 {
				touched = append(touched, d)
			}
			acc.score[d] += w * pl.vals[n]
			if acc.score[d] == 0 { // exact cancellation: keep it marked as touched
				acc.score[d] = math.SmallestNonzeroFloat32
			}
		}
	}
	qn2 := DotProduct(qv, qv)
	top := NewTopK(k)
	for _, d := range touched {
		sc := acc.score[d]
		acc.score[d] = 0
		id := s.ids[d]
		if allow != nil && !allow(id) {
			continue
		}
		if s.metric == L2 {
			sc = -float32(math.Sqrt(math.Max(0, float64(qn2+s.norm2[d]-2*sc))))
		}
		top.Push(id, sc)
	}
	acc.touched = touched[:0]
	s.accs.Put(acc)
	return top.Sorted()
}
