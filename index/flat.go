package index

import (
	"context"
	"fmt"
	"sort"
	"sync"
)

// Flat is an exact in-memory Index: every search scans the whole space. It serves small
// spaces and is the ground truth for approximate indexes. Flat is safe for concurrent use;
// searches share a read lock and writes take it exclusively.
type Flat struct {
	mu       sync.RWMutex
	spaces   map[string]*flatSpace
	payloads map[string]Payload
}

type flatSpace struct {
	cfg    SpaceConfig
	ids    []string
	pos    map[string]int
	data   []float32 // len(ids)*Dim, normalised for cosine
	sparse *SparseIndex
}

var _ Index = (*Flat)(nil)

// NewFlat returns an empty exact index.
func NewFlat() *Flat {
	return &Flat{spaces: map[string]*flatSpace{}, payloads: map[string]Payload{}}
}

// CreateSpace implements Index.
func (f *Flat) CreateSpace(_ context.Context, cfg SpaceConfig) error {
	if err := ValidateSpaceConfig(cfg); err != nil {
		return err
	}
	cfg = NormalizeConfig(cfg)
	f.mu.Lock()
	defer f.mu.Unlock()
	if s, ok := f.spaces[cfg.Name]; ok {
		if s.cfg != cfg {
			return fmt.Errorf("space %s: %w", cfg.Name, ErrSpaceConflict)
		}
		return nil
	}
	s := &flatSpace{cfg: cfg, pos: map[string]int{}}
	if cfg.Sparse {
		s.sparse = NewSparseIndex(cfg.Metric)
	}
	f.spaces[cfg.Name] = s
	return nil
}

// Spaces implements Index; the list is sorted by name.
func (f *Flat) Spaces(context.Context) ([]SpaceInfo, error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	out := make([]SpaceInfo, 0, len(f.spaces))
	for _, s := range f.spaces {
		n := len(s.ids)
		if s.sparse != nil {
			n = s.sparse.Len()
		}
		out = append(out, SpaceInfo{SpaceConfig: s.cfg, Count: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (f *Flat) lookup(name string) (SpaceConfig, bool) {
	s, ok := f.spaces[name]
	if !ok {
		return SpaceConfig{}, false
	}
	return s.cfg, true
}

// Upsert implements Index.
func (f *Flat) Upsert(_ context.Context, points []Point) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := ValidatePoints(points, f.lookup); err != nil {
		return err
	}
	for _, p := range points {
		f.payloads[p.ID] = ClonePayload(p.Payload)
		for name, v := range p.Vectors {
			f.spaces[name].put(p.ID, v)
		}
		for name, v := range p.Sparse {
			f.spaces[name].sparse.Upsert(p.ID, v)
		}
	}
	return nil
}

func (s *flatSpace) put(id string, v []float32) {
	d := s.cfg.Dim
	i, ok := s.pos[id]
	if !ok {
		i = len(s.ids)
		s.ids = append(s.ids, id)
		s.pos[id] = i
		s.data = append(s.data, make([]float32, d)...)
	}
	dst := s.data[i*d : (i+1)*d]
	copy(dst, v)
	if s.cfg.Metric == Cosine {
		Normalize(dst)
	}
}

func (s *flatSpace) remove(id string) {
	if s.sparse != nil {
		s.sparse.Delete(id)
		return
	}
	i, ok := s.pos[id]
	if !ok {
		return
	}
	d, last := s.cfg.Dim, len(s.ids)-1
	if i != last {
		s.ids[i] = s.ids[last]
		s.pos[s.ids[i]] = i
		copy(s.data[i*d:(i+1)*d], s.data[last*d:])
	}
	s.ids = s.ids[:last]
	s.data = s.data[:last*d]
	delete(s.pos, id)
}

// Delete implements Index.
func (f *Flat) Delete(_ context.Context, ids []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range ids {
		delete(f.payloads, id)
		for _, s := range f.spaces {
			s.remove(id)
		}
	}
	return nil
}

// Search implements Index; it is exact, so req.Ef is ignored.
func (f *Flat) Search(_ context.Context, req SearchRequest) ([]Hit, error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	s, ok := f.spaces[req.Space]
	if !ok {
		return nil, fmt.Errorf("space %s: %w", req.Space, ErrUnknownSpace)
	}
	if err := ValidateSearch(req, s.cfg); err != nil {
		return nil, err
	}
	m, err := NewMatcher(req.Filter)
	if err != nil {
		return nil, err
	}
	allow := func(id string) bool {
		if !m.MatchID(id) {
			return false
		}
		p, ok := f.payloads[id]
		if !ok {
			return m.MatchPayload(nil)
		}
		return m.MatchPayload(&p)
	}
	if m.All() {
		allow = nil
	}
	if s.sparse != nil {
		return ApplyThreshold(s.sparse.Search(*req.Sparse, req.K, allow), req.Threshold), nil
	}
	q := req.Vector
	if s.cfg.Metric == Cosine {
		q = append([]float32(nil), q...)
		Normalize(q)
	}
	return ApplyThreshold(ExactSearch(s.cfg.Metric, q, s.data, s.cfg.Dim, s.ids, req.K, allow), req.Threshold), nil
}

// ExactSearch scans n = len(ids) vectors stored contiguously in data (dim values each) and
// returns the k best for q that allow accepts (nil: all). q and data must already be
// normalised for Cosine.
func ExactSearch(m Metric, q, data []float32, dim int, ids []string, k int, allow func(string) bool) []Hit {
	top := NewTopK(k)
	for i, id := range ids {
		if allow != nil && !allow(id) {
			continue
		}
		top.Push(id, Score(m, q, data[i*dim:(i+1)*dim]))
	}
	return top.Sorted()
}

// Vectors implements Index. Cosine spaces return the stored, normalised vectors; sparse
// spaces have no dense vectors and return an empty map.
func (f *Flat) Vectors(_ context.Context, space string, ids []string) (map[string][]float32, error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	s, ok := f.spaces[space]
	if !ok {
		return nil, fmt.Errorf("space %s: %w", space, ErrUnknownSpace)
	}
	out := make(map[string][]float32, len(ids))
	if s.sparse != nil {
		return out, nil
	}
	d := s.cfg.Dim
	for _, id := range ids {
		if i, ok := s.pos[id]; ok {
			out[id] = append([]float32(nil), s.data[i*d:(i+1)*d]...)
		}
	}
	return out, nil
}
