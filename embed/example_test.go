package embed_test

import (
	"fmt"
	"math"

	"github.com/recd/recd"
	"github.com/recd/recd/embed"
)

// A catalog is fitted once at train time; a new item then gets both content vectors at
// once, and SharedTerms says why it matches its nearest neighbour.
func ExampleFitContent() {
	catalog := []recd.Item{
		{ID: "1", Title: "Dinosaur (2000)", Categories: []string{"Animation", "Children"}},
		{ID: "2", Title: "Jurassic Park (1993)", Text: "dinosaurs escape", Categories: []string{"Adventure", "Sci-Fi"}},
		{ID: "3", Title: "Heat (1995)", Categories: []string{"Crime", "Thriller"}},
		{ID: "4", Title: "Toy Story (1995)", Categories: []string{"Animation", "Children", "Comedy"}},
		{ID: "5", Title: "Se7en (1995)", Categories: []string{"Crime", "Thriller", "Mystery"}},
		{ID: "6", Title: "Land Before Time (1988)", Text: "a young dinosaur", Categories: []string{"Animation", "Adventure"}},
	}
	to := embed.DefaultTFIDFOptions()
	to.MinDF = 1
	lo := embed.DefaultLSAOptions()
	lo.Dim = 4
	m, err := embed.FitContent(catalog, to, lo)
	if err != nil {
		fmt.Println(err)
		return
	}
	cold := recd.Item{ID: "new", Title: "Raptor Valley (2024)", Text: "a young dinosaur",
		Categories: []string{"Animation", "Children"}}
	sparse, dense, _ := m.EmbedItem(cold)
	best, bestScore := -1, math.Inf(-1)
	for i, it := range catalog {
		_, d, _ := m.EmbedItem(it)
		var s float64
		for c := range d {
			s += float64(d[c] * dense[c])
		}
		if s > bestScore {
			best, bestScore = i, s
		}
	}
	fmt.Println("dims:", len(dense))
	fmt.Println("nearest:", catalog[best].Title)
	fmt.Println("shared:", m.TFIDF.SharedTerms(sparse, m.TFIDF.Transform(catalog[best]), 3))
	// Output:
	// dims: 4
	// nearest: Dinosaur (2000)
	// shared: [cat:children cat:animation children]
}
