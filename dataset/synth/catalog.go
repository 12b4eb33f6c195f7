package synth

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
)

// topicNames are the latent tastes, named like MovieLens genres so the catalog reads familiar.
var topicNames = []string{"Drama", "Comedy", "Thriller", "Action", "Romance", "Adventure", "Crime",
	"Sci-Fi", "Horror", "Fantasy", "Children", "Animation", "Mystery", "Documentary", "War",
	"Musical", "Western", "Film-Noir"}

// syllables build the made-up words of the topics' vocabularies and the common words.
var syllables = []string{"ka", "lo", "mi", "ra", "ten", "vo", "sha", "dor", "el", "qui", "zan", "bre",
	"tu", "nor", "pa", "vin", "so", "gar", "lei", "mon", "ith", "cal", "ro", "fen", "da", "wyn", "ost", "ma"}

const (
	wordsPerTopic = 40
	commonWords   = 200
)

// catalog is the generated item side: each item's topics and popularity, and per topic the
// cumulative popularity of its items for sampling. It is built once and only read after.
type catalog struct {
	topic     []uint8   // item -> primary topic
	second    []int8    // item -> second topic, -1 for none
	weight    []float64 // item -> popularity weight; 0 for a new item
	topicW    []float64 // topic -> share of the catalog's popularity (cumulative)
	byTopic   [][]int32 // topic -> its items with events
	cumTopic  [][]float64
	cumGlobal []float64 // cumulative weight over all items
	vocab     [][]string
	common    []string
}

// newCatalog draws every item's topics and popularity: popularity is a power law with
// exponent ItemAlpha (x >= 1), capped so that no item is expected in more than half of the
// users' histories (MovieLens' most rated movie was rated by about half of its users). The
// last NewItems share of the items get no events.
func newCatalog(o Options, rng *rand.Rand) *catalog {
	c := &catalog{topic: make([]uint8, o.Items), second: make([]int8, o.Items), weight: make([]float64, o.Items)}
	// Topic popularity falls off like MovieLens genres: Drama and Comedy lead.
	tw := make([]float64, o.Topics)
	for t := range tw {
		tw[t] = 1 / math.Pow(float64(t+1), 0.8)
	}
	cumTW := cumulative(tw)
	active := o.activeItems()
	for i := range o.Items {
		c.topic[i] = uint8(pick(cumTW, rng.Float64()))
		c.second[i] = -1
		if rng.Float64() < 0.4 {
			if s := pick(cumTW, rng.Float64()); s != int(c.topic[i]) {
				c.second[i] = int8(s)
			}
		}
		if i < active {
			c.weight[i] = paretoSample(rng, 1, ItemAlpha)
		}
	}
	capWeights(c.weight, float64(o.Events), 0.5*float64(o.Users))
	c.byTopic = make([][]int32, o.Topics)
	c.cumTopic = make([][]float64, o.Topics)
	for i := range active {
		c.byTopic[c.topic[i]] = append(c.byTopic[c.topic[i]], int32(i))
	}
	c.topicW = make([]float64, o.Topics)
	for t, items := range c.byTopic {
		w := make([]float64, len(items))
		for k, i := range items {
			w[k] = c.weight[i]
			c.topicW[t] += c.weight[i]
		}
		c.cumTopic[t] = cumulative(w)
	}
	c.topicW = cumulative(c.topicW)
	c.cumGlobal = cumulative(c.weight[:active])
	c.vocab, c.common = vocabularies(o.Topics, rng)
	return c
}

// paretoSample draws x >= xmin with density ~ x^-alpha (alpha > 1) by inversion.
func paretoSample(rng *rand.Rand, xmin, alpha float64) float64 {
	u := 1 - rng.Float64() // (0, 1]
	return xmin * math.Pow(u, -1/(alpha-1))
}

// capWeights caps w so that no entry's expected count (total * w / sum(w)) passes most; the
// cap is found by fixed-point iteration, since capping lowers the sum.
func capWeights(w []float64, total, most float64) {
	sorted := slices.Clone(w)
	slices.Sort(sorted)
	capv := math.Inf(1)
	for range 50 {
		sum := 0.0
		for _, x := range sorted {
			sum += min(x, capv)
		}
		next := most * sum / total
		if next >= sorted[len(sorted)-1] || math.Abs(next-capv) < 1e-9*next {
			capv = next
			break
		}
		capv = next
	}
	for i := range w {
		w[i] = min(w[i], capv)
	}
}

// cumulative returns the running sums of w.
func cumulative(w []float64) []float64 {
	out := make([]float64, len(w))
	s := 0.0
	for i, x := range w {
		s += x
		out[i] = s
	}
	return out
}

// pick returns the index whose share of the cumulative weights u in [0, 1) falls in.
func pick(cum []float64, u float64) int {
	if len(cum) == 0 {
		return -1
	}
	x := u * cum[len(cum)-1]
	return min(sort.SearchFloat64s(cum, x), len(cum)-1)
}

// vocabularies makes each topic's words and the common words from the syllables.
func vocabularies(topics int, rng *rand.Rand) ([][]string, []string) {
	seen := map[string]bool{}
	word := func() string {
		for {
			n := 2 + rng.IntN(2)
			w := ""
			for range n {
				w += syllables[rng.IntN(len(syllables))]
			}
			if !seen[w] {
				seen[w] = true
				return w
			}
		}
	}
	vocab := make([][]string, topics)
	for t := range vocab {
		for range wordsPerTopic {
			vocab[t] = append(vocab[t], word())
		}
	}
	common := make([]string, commonWords)
	for i := range common {
		common[i] = word()
	}
	return vocab, common
}
