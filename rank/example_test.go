package rank_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/recd/recd/index"
	"github.com/recd/recd/rank"
)

// catalog is a toy ItemInfo: categories and a year per item.
type catalog map[string]struct {
	title string
	cats  []string
	year  int
}

func (c catalog) Categories(id string) []string { return c[id].cats }
func (c catalog) Attribute(id, name string) (any, bool) {
	it, ok := c[id]
	if !ok || name != "year" {
		return nil, false
	}
	return it.year, true
}

// Example shows the order in which a request runs the stages.
func Example() {
	cat := catalog{
		"toy":  {"Toy Story", []string{"Animation", "Comedy"}, 1995},
		"up":   {"Up", []string{"Animation", "Drama"}, 2009},
		"coco": {"Coco", []string{"Animation"}, 2017},
		"heat": {"Heat", []string{"Thriller", "Drama"}, 1995},
		"amel": {"Amelie", []string{"Comedy", "Romance"}, 2001},
		"old":  {"Nosferatu", []string{"Horror"}, 1922},
	}
	sim := rank.CosineSimilarity(map[string][]float32{
		"toy": {1, 0.8, 0}, "up": {1, 0.2, 0.5}, "coco": {1, 0.2, 0.2},
		"heat": {0, 0, 1}, "amel": {0, 1, 0.2}, "old": {0.1, 0, 0.9},
	})
	counts := map[string]int{"toy": 90, "up": 60, "coco": 20, "heat": 40, "amel": 10, "old": 1}

	// 1. Candidate sources (the lead's sources.go), blended.
	cands, _ := rank.Blend([]rank.SourceList{
		{Name: "itemknn", Items: []rank.SourceScore{{ID: "up", Score: 0.9, Because: []string{"toy"}}, {ID: "coco", Score: 0.7, Because: []string{"toy"}}}},
		{Name: "cf", Items: []rank.SourceScore{{ID: "heat", Score: 2.1}, {ID: "up", Score: 1.5}, {ID: "amel", Score: 1.2}, {ID: "old", Score: 0.3}}},
		{Name: "popular", Items: []rank.SourceScore{{ID: "toy", Score: 90}, {ID: "up", Score: 60}}},
	}, rank.DefaultBlendOptions())
	// 2. Categories and the long-tail flag.
	tail, _ := rank.LongTailSet(counts, 0.5) // head: toy, up, heat
	rank.Annotate(cands, cat, tail)
	// 3. Business rules (seen items excluded here too).
	year, _ := rank.ParseCondition("year>=1990")
	cands, _ = rank.Rules{Exclude: []string{"toy"}, Filters: []index.Condition{year}}.Apply(cands, cat)
	// 4. Session boost from the last actions, 5. amortised exposure boost (skipped here).
	_ = rank.SessionBoost(cands, []string{"toy"}, sim, rank.DefaultSessionWeight)
	// 6. Diversity and calibration over the pool, 7. long-tail share over all candidates.
	p := rank.TargetDistribution([]rank.HistoryEntry{{Categories: []string{"Animation"}, Weight: 1}}, time.Time{}, 0)
	_ = rank.Rerank(cands, 3, rank.RerankOptions{Diversity: 0.3, Sim: sim, Calibration: 0.2, Target: p})
	_ = rank.LongTailShare(cands, 3, 0.3)
	// 8. Explanations on the n returned.
	top := cands[:3]
	rank.Explain(top, func(id string) string { return cat[id].title })
	for _, c := range top {
		var why []string
		for _, r := range c.Reasons {
			why = append(why, r.Text)
		}
		fmt.Printf("%s (tail %v): %s\n", c.ID, c.LongTail, strings.Join(why, "; "))
	}
	// Output:
	// up (tail false): Because you liked Toy Story; People with similar taste liked this; Popular right now; Related to what you just viewed: Toy Story
	// amel (tail true): People with similar taste liked this; Related to what you just viewed: Toy Story
	// coco (tail true): Because you liked Toy Story; Related to what you just viewed: Toy Story
}
