package model

import (
	"context"
	"errors"
	"math"
	"runtime"
	"slices"
	"sync"
)

// ItemKNNOptions configures item-based collaborative filtering.
type ItemKNNOptions struct {
	// Neighbors is how many most similar items are kept per item for similar-item lists
	// (default 100).
	Neighbors int `json:"neighbors" yaml:"neighbors"`
	// ScoreNeighbors is how many of each history item's neighbours score a user
	// (default 20; 0 means all kept): fewer, closer neighbours rank better.
	ScoreNeighbors int `json:"score_neighbors" yaml:"score_neighbors"`
	// Shrink damps similarities supported by few co-occurrences:
	// sim = dot / (|i|^(2*Alpha) * |j|^(2*(1-Alpha)) + Shrink), |i| the Euclidean norm of item i's
	// column (default 10).
	Shrink float64 `json:"shrink" yaml:"shrink"`
	// Alpha makes the cosine asymmetric; 0.5 is the plain cosine (default 0.5).
	Alpha float64 `json:"alpha" yaml:"alpha"`
	// Binary treats every positive interaction as weight 1 when computing similarities
	// (default true: implicit feedback is usually better modelled as presence).
	Binary bool `json:"binary" yaml:"binary"`
	// Workers is the number of goroutines for training (0: GOMAXPROCS).
	Workers int `json:"workers" yaml:"workers"`
}

// DefaultItemKNNOptions returns the defaults.
func DefaultItemKNNOptions() ItemKNNOptions {
	return ItemKNNOptions{Neighbors: 100, ScoreNeighbors: 20, Shrink: 10, Alpha: 0.5, Binary: true}
}

// Validate reports the first invalid option.
func (o ItemKNNOptions) Validate() error {
	switch {
	case o.Neighbors < 1 || o.Neighbors > 10000:
		return errors.New("neighbors must be in [1, 10000]")
	case o.ScoreNeighbors < 0:
		return errors.New("score_neighbors must be >= 0")
	case o.Shrink < 0 || math.IsNaN(o.Shrink) || math.IsInf(o.Shrink, 0):
		return errors.New("shrink must be a finite number >= 0")
	case o.Alpha < 0 || o.Alpha > 1:
		return errors.New("alpha must be in [0, 1]")
	}
	return nil
}

// Neighbor is one similar item.
type Neighbor struct {
	Item int32
	Sim  float32
}

// ItemKNN is item-based collaborative filtering: cosine item-item similarity with shrinkage,
// the top Neighbors kept per item. A user is scored live from their current history against the
// neighbour table. After Fit it is read-only and safe for concurrent use.
type ItemKNN struct {
	Opts ItemKNNOptions
	// Neighbors[i] are item i's most similar items, most similar first.
	Neighbors [][]Neighbor
}

// NewItemKNN returns an untrained model.
func NewItemKNN(o ItemKNNOptions) *ItemKNN { return &ItemKNN{Opts: o} }

// Name implements Recommender.
func (m *ItemKNN) Name() string { return "itemknn" }

// Fit implements Recommender.
func (m *ItemKNN) Fit(ctx context.Context, d *Dataset) error {
	if err := m.Opts.Validate(); err != nil {
		return err
	}
	ni := d.NumItems()
	norms := make([]float64, ni)
	for i := 0; i < ni; i++ {
		_, ws := d.ItemCol(i)
		var s float64
		for _, w := range ws {
			if m.Opts.Binary {
				s++
			} else {
				s += float64(w) * float64(w)
			}
		}
		norms[i] = s // squared norm: the similarity's denominator raises it to Alpha and 1-Alpha
	}
	// sim(i, j) = dot / (sq_i^Alpha * sq_j^(1-Alpha) + Shrink), with sq the squared norms.
	powA, powB := make([]float64, ni), make([]float64, ni)
	for i, sq := range norms {
		powA[i], powB[i] = math.Pow(sq, m.Opts.Alpha), math.Pow(sq, 1-m.Opts.Alpha)
	}
	m.Neighbors = make([][]Neighbor, ni)
	workers := m.Opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var wg sync.WaitGroup
	var next int64
	var mu sync.Mutex
	var ctxErr error
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			acc := make([]float64, ni)
			sc := &knnScratch{touched: make([]int32, 0, 1024), heap: make(knnHeap, 0, m.Opts.Neighbors)}
			for {
				mu.Lock()
				i := int(next)
				next++
				if i%256 == 0 && ctx.Err() != nil {
					ctxErr = ctx.Err()
				}
				stop := ctxErr != nil
				mu.Unlock()
				if i >= ni || stop {
					return
				}
				m.Neighbors[i] = m.fitItem(d, i, powA[i], powB, acc, sc)
			}
		}()
	}
	wg.Wait()
	return ctxErr
}

// knnScratch is one fitting worker's reusable memory: the items an item's accumulator touched
// (reset by walking this list, never the whole catalog) and the top-k heap. Reused from item
// to item, so fitting allocates only each item's exact-size neighbour list.
type knnScratch struct {
	touched []int32
	heap    knnHeap
}

// fitItem computes item i's neighbour list (ni is item i's norm term) using acc (zeroed,
// len NumItems) and sc as scratch; acc is zeroed again on return.
func (m *ItemKNN) fitItem(d *Dataset, i int, ni float64, powB, acc []float64, sc *knnScratch) []Neighbor {
	touched := sc.touched[:0]
	defer func() { sc.touched = touched }()
	users, uw := d.ItemCol(i)
	for n, u := range users {
		wi := float64(uw[n])
		if m.Opts.Binary {
			wi = 1
		}
		items, iw := d.UserRow(int(u))
		for k, j := range items {
			if int(j) == i {
				continue
			}
			wj := float64(iw[k])
			if m.Opts.Binary {
				wj = 1
			}
			if acc[j] == 0 {
				touched = append(touched, j)
			}
			acc[j] += wi * wj
		}
	}
	k := m.Opts.Neighbors
	h := sc.heap[:0] // the k most similar so far, least similar at h[0]
	for _, j := range touched {
		den := ni*powB[j] + m.Opts.Shrink
		v := acc[j]
		acc[j] = 0
		if den <= 0 {
			continue
		}
		nb := Neighbor{Item: j, Sim: float32(v / den)}
		if len(h) < k {
			h.push(nb)
		} else if knnBetter(nb, h[0]) {
			h[0] = nb
			h.down(0)
		}
	}
	sc.heap = h
	out := make([]Neighbor, len(h))
	copy(out, h)
	slices.SortFunc(out, func(x, y Neighbor) int {
		switch {
		case knnBetter(x, y):
			return -1
		case knnBetter(y, x):
			return 1
		}
		return 0
	})
	return out
}

// knnBetter orders neighbours by similarity, then by item index for determinism.
func knnBetter(a, b Neighbor) bool {
	if a.Sim != b.Sim {
		return a.Sim > b.Sim
	}
	return a.Item < b.Item
}

// knnHeap is a min-heap of neighbours, the worst at the root.
type knnHeap []Neighbor

func (h *knnHeap) push(nb Neighbor) {
	*h = append(*h, nb)
	s := *h
	for c := len(s) - 1; c > 0; {
		p := (c - 1) / 2
		if !knnBetter(s[p], s[c]) {
			break
		}
		s[p], s[c] = s[c], s[p]
		c = p
	}
}

func (h knnHeap) down(c int) {
	for {
		l, r, m := 2*c+1, 2*c+2, c
		if l < len(h) && knnBetter(h[m], h[l]) {
			m = l
		}
		if r < len(h) && knnBetter(h[m], h[r]) {
			m = r
		}
		if m == c {
			return
		}
		h[c], h[m] = h[m], h[c]
		c = m
	}
}

// Score implements Recommender: dst[i] = sum over history items j of weight_j * sim(j, i).
// Negative history weights (dislikes) push their neighbours down.
func (m *ItemKNN) Score(_ int, items []int32, weights []float32, dst []float32) {
	for i := range dst {
		dst[i] = 0
	}
	for n, j := range items {
		if int(j) >= len(m.Neighbors) || j < 0 {
			continue
		}
		w := float32(1)
		if weights != nil {
			w = weights[n]
		}
		nbs := m.Neighbors[j]
		if k := m.Opts.ScoreNeighbors; k > 0 && len(nbs) > k {
			nbs = nbs[:k]
		}
		for _, nb := range nbs {
			dst[nb.Item] += w * nb.Sim
		}
	}
}

// Size returns the number of stored neighbour entries.
func (m *ItemKNN) Size() int {
	n := 0
	for _, nb := range m.Neighbors {
		n += len(nb)
	}
	return n
}
