package rank

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/recd/recd/model"
)

// Vector space names the pipeline reads.
const (
	SpaceCF            = "cf"
	SpaceContent       = "content"
	SpaceContentSparse = "content_sparse"
)

// ItemMeta is what the pipeline needs to know about a catalog item.
type ItemMeta struct {
	Title      string
	Categories []string
	Tags       []string
	Available  bool
	Attributes map[string]any
}

// Catalog looks up item metadata. Implementations are safe for concurrent use.
type Catalog interface {
	Item(id string) (ItemMeta, bool)
}

// ItemsCatalog is a Catalog that looks up many items at once, under one lock: the ranker's
// features ask for their candidates a chunk at a time.
type ItemsCatalog interface {
	Catalog
	// Items sets out[k], ok[k] to what Item(ids[k]) returns, for every k of ids.
	Items(ids []string, out []ItemMeta, ok []bool)
}

// catalogChunk is how many items the serving path reads from the catalog at once.
const catalogChunk = 64

// catalogItems looks every id up in c, at once when c is an ItemsCatalog.
func catalogItems(c Catalog, ids []string, out []ItemMeta, ok []bool) {
	if ic, is := c.(ItemsCatalog); is {
		ic.Items(ids, out, ok)
		return
	}
	for k, id := range ids {
		out[k], ok[k] = c.Item(id)
	}
}

// Models is one trained, immutable model snapshot the pipeline reads.
type Models struct {
	Version   string
	Items     []string         // item index -> id
	ItemIndex map[string]int32 // id -> item index
	Pop       *model.Popularity
	KNN       *model.ItemKNN
	ALS       *model.ALS  // nil when not trained
	EASE      *model.EASE // nil when not trained (a catalog too large to invert)
	Tail      *TailSet    // long-tail items; nil: none marked
	Counts    []int32     // interactions per item index
	Times     *ItemTimes  // interaction times per item index; nil: no recency features
	Ranker    *Ranker     // the learned ranker; nil: the blend scores
}

// Interaction is one item of a user's aggregated history.
type Interaction struct {
	ItemID string
	Weight float64 // summed event weights; <= 0 means the user did not like it
	Last   time.Time
}

// catalogInfo adapts a Catalog to the stages' ItemInfo and Availability.
type catalogInfo struct{ c Catalog }

func (ci catalogInfo) Categories(id string) []string {
	m, _ := ci.c.Item(id)
	return m.Categories
}

func (ci catalogInfo) Attribute(id, name string) (any, bool) {
	m, ok := ci.c.Item(id)
	if !ok {
		return nil, false
	}
	v, ok := m.Attributes[name]
	return v, ok
}

func (ci catalogInfo) Available(id string) bool {
	m, ok := ci.c.Item(id)
	return ok && m.Available
}

func (p *Pipeline) title(id string) string {
	m, _ := p.Catalog.Item(id)
	return m.Title
}

// positives returns the liked items of a history, newest first (equal times by item id).
// It sorts small keys (time as integers, the place in h) and copies the items once: a heavy
// user's thousands of liked items were sorted by comparing time.Time values and moving
// 48-byte Interactions, a tenth of such a request's CPU.
func positives(h []Interaction) []Interaction {
	type key struct {
		sec int64
		ns  int32
		at  int32 // place in h
	}
	keys := make([]key, 0, len(h))
	for i, x := range h {
		if x.Weight > 0 {
			keys = append(keys, key{x.Last.Unix(), int32(x.Last.Nanosecond()), int32(i)})
		}
	}
	slices.SortFunc(keys, func(a, b key) int {
		if a.sec != b.sec {
			return cmp.Compare(b.sec, a.sec)
		}
		if a.ns != b.ns {
			return cmp.Compare(b.ns, a.ns)
		}
		if c := strings.Compare(h[a.at].ItemID, h[b.at].ItemID); c != 0 {
			return c
		}
		return cmp.Compare(a.at, b.at)
	})
	out := make([]Interaction, len(keys))
	for n, k := range keys {
		out[n] = h[k.at]
	}
	return out
}
