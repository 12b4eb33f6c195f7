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
	// MaxUserItems caps how many of one user's items count towards the co-occurrences
	// (default 1000; 0: no cap). A history of n items adds n² pairs, so the few heaviest
	// users of a large data set would take most of the fit (hours at 100M events). A user
	// above the cap counts a sample of that many of their items, the same in every run (the
	// items of the smallest hash of user and item index), and each item's norm is taken over
	// the sampled interactions, so the similarity stays a cosine of one matrix.
	MaxUserItems int `json:"max_user_items" yaml:"max_user_items"`
}

// DefaultItemKNNOptions returns the defaults.
func DefaultItemKNNOptions() ItemKNNOptions {
	return ItemKNNOptions{Neighbors: 100, ScoreNeighbors: 20, Shrink: 10, Alpha: 0.5, Binary: true, MaxUserItems: 1000}
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
	case o.MaxUserItems < 0:
		return errors.New("max_user_items must be >= 0")
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

	sampled int // users whose items the last Fit sampled (MaxUserItems); not saved
}

// SampledUsers returns how many users' items the last Fit sampled down to MaxUserItems.
func (m *ItemKNN) SampledUsers() int { return m.sampled }

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
	smp := sampleUsers(d, m.Opts.MaxUserItems)
	m.sampled = 0
	if smp != nil {
		m.sampled = len(smp.items)
	}
	norms := make([]float64, ni)
	for i := 0; i < ni; i++ {
		_, ws := d.ItemCol(i)
		var s float64
		for n, w := range ws {
			if smp.dropped(d.ItemPtr[i] + int32(n)) {
				continue
			}
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
				m.Neighbors[i] = m.fitItem(d, smp, i, powA[i], powB, acc, sc)
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
func (m *ItemKNN) fitItem(d *Dataset, smp *userSample, i int, ni float64, powB, acc []float64, sc *knnScratch) []Neighbor {
	touched := sc.touched[:0]
	defer func() { sc.touched = touched }()
	users, uw := d.ItemCol(i)
	for n, u := range users {
		if smp.dropped(d.ItemPtr[i] + int32(n)) {
			continue
		}
		wi := float64(uw[n])
		if m.Opts.Binary {
			wi = 1
		}
		items, iw := smp.row(d, u)
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

// userSample is the sample of the heaviest users' items that item-kNN counts
// (ItemKNNOptions.MaxUserItems): for each user above the cap, the kept items as a row of their
// own, and a bit per CSC entry of the dataset marking the interactions left out. A nil
// *userSample keeps every interaction.
type userSample struct {
	at    []int32 // per user: index into items and weights, -1 for a user under the cap
	items [][]int32
	ws    [][]float32
	drop  []uint64 // bit p: CSC entry p (ItemUsers[p]) is left out
}

// sampleUsers samples the rows of d's users with more than most items (nil when none has, or
// most is 0): each keeps the most items of the smallest keptHash, in item order.
func sampleUsers(d *Dataset, most int) *userSample {
	if most <= 0 {
		return nil
	}
	var s *userSample
	var keys []uint64
	for u := range d.NumUsers() {
		items, ws := d.UserRow(u)
		if len(items) <= most {
			continue
		}
		if s == nil {
			s = &userSample{at: make([]int32, d.NumUsers()), drop: make([]uint64, (d.NNZ()+63)/64)}
			for v := range s.at {
				s.at[v] = -1
			}
		}
		keys = keys[:0]
		for k, j := range items {
			keys = append(keys, keptHash(int32(u), j)&^0xffffffff|uint64(k)) // hash, then position
		}
		slices.Sort(keys)
		kept := keys[:most]
		slices.SortFunc(kept, func(a, b uint64) int { return int(uint32(a)) - int(uint32(b)) }) // item order
		row, rw := make([]int32, 0, most), make([]float32, 0, most)
		for _, x := range kept {
			k := uint32(x)
			row, rw = append(row, items[k]), append(rw, ws[k])
		}
		s.at[u] = int32(len(s.items))
		s.items, s.ws = append(s.items, row), append(s.ws, rw)
		for _, x := range keys[most:] {
			j := items[uint32(x)]
			col := d.ItemUsers[d.ItemPtr[j]:d.ItemPtr[j+1]]
			p, _ := slices.BinarySearch(col, int32(u))
			q := int(d.ItemPtr[j]) + p
			s.drop[q>>6] |= 1 << (q & 63)
		}
	}
	return s
}

// keptHash orders a user's items for the sample: the splitmix64 finaliser of the pair.
func keptHash(u, i int32) uint64 {
	x := uint64(uint32(u))<<32 | uint64(uint32(i))
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// dropped reports whether CSC entry p is left out of the sample.
func (s *userSample) dropped(p int32) bool {
	return s != nil && s.drop[p>>6]&(1<<(p&63)) != 0
}

// row returns user u's items and weights as the sample counts them.
func (s *userSample) row(d *Dataset, u int32) ([]int32, []float32) {
	if s != nil && s.at[u] >= 0 {
		return s.items[s.at[u]], s.ws[s.at[u]]
	}
	return d.UserRow(int(u))
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
