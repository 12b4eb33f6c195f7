package hnsw

// distNode is a node with its distance to the query (lower is closer).
type distNode struct {
	d float32
	n int32
}

// minHeap pops the closest node first.
type minHeap []distNode

func (h *minHeap) push(x distNode) {
	*h = append(*h, x)
	s := *h
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if s[p].d <= s[i].d {
			break
		}
		s[p], s[i] = s[i], s[p]
		i = p
	}
}

func (h *minHeap) pop() distNode {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	i := 0
	for {
		l := 2*i + 1
		if l >= last {
			break
		}
		m := l
		if r := l + 1; r < last && s[r].d < s[l].d {
			m = r
		}
		if s[i].d <= s[m].d {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return top
}

// maxHeap pops the farthest node first; it holds the current best results.
type maxHeap []distNode

func (h *maxHeap) push(x distNode) {
	*h = append(*h, x)
	s := *h
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if s[p].d >= s[i].d {
			break
		}
		s[p], s[i] = s[i], s[p]
		i = p
	}
}

func (h *maxHeap) pop() distNode {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	i := 0
	for {
		l := 2*i + 1
		if l >= last {
			break
		}
		m := l
		if r := l + 1; r < last && s[r].d > s[l].d {
			m = r
		}
		if s[i].d >= s[m].d {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return top
}

// replaceTop replaces the farthest node by x (x must not be farther) and restores the heap:
// a push and a pop in one sift.
func (h maxHeap) replaceTop(x distNode) {
	n := len(h)
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && h[r].d > h[l].d {
			m = r
		}
		if x.d >= h[m].d {
			break
		}
		h[i] = h[m]
		i = m
	}
	h[i] = x
}

// marks is a set of nodes emptied in constant time: a node is in it when its entry equals the
// current generation (2 bytes a node: half the cache misses of 4).
type marks struct {
	m   []uint16
	gen uint16
}

// reset empties the set for a graph of n nodes.
func (k *marks) reset(n int) {
	if len(k.m) < n {
		k.m = make([]uint16, n+n/2+1024)
		k.gen = 0
	}
	k.gen++
	if k.gen == 0 {
		clear(k.m)
		k.gen = 1
	}
}

func (k *marks) has(n int32) bool { return k.m[n] == k.gen }
func (k *marks) add(n int32)      { k.m[n] = k.gen }

// searcher holds the per-search scratch state, pooled so a search allocates nothing.
type searcher struct {
	visited marks
	denied  marks // the nodes a search's deny list names
	cand    minHeap
	res     maxHeap
	sorted  []distNode
	sel     []distNode
	pruneC  []distNode
	pruneS  []distNode
	nbuf    []int32
	batch   []int32   // unvisited neighbours of one expansion
	dists   []float32 // their distances
	q       []float32
}

// reset prepares the visited set for a graph of n nodes.
func (s *searcher) reset(n int) {
	s.visited.reset(n)
	s.cand = s.cand[:0]
	s.res = s.res[:0]
}

func (s *searcher) visit(n int32) bool {
	if s.visited.has(n) {
		return false
	}
	s.visited.add(n)
	return true
}
