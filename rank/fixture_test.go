package rank

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recd/recd"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.golden files")

// fixtureItem is one movie of the small fixture catalog.
type fixtureItem struct {
	id, title string
	cats      []string
	vec       []float64 // content vector: Animation, Comedy, Drama, Thriller, Romance
	attrs     map[string]any
}

var fixtureItems = []fixtureItem{
	{"m1", "Toy Story", []string{"Animation", "Comedy"}, []float64{1, 0.8, 0, 0, 0}, map[string]any{"year": 1995, "lang": "en"}},
	{"m2", "Up", []string{"Animation", "Drama"}, []float64{1, 0.3, 0.6, 0, 0}, map[string]any{"year": 2009, "lang": "en"}},
	{"m3", "Coco", []string{"Animation"}, []float64{1, 0.2, 0.3, 0, 0}, map[string]any{"year": 2017, "lang": "en"}},
	{"m4", "Amelie", []string{"Comedy", "Romance"}, []float64{0, 0.9, 0.2, 0, 0.8}, map[string]any{"year": 2001, "lang": "fr"}},
	{"m5", "Heat", []string{"Thriller", "Drama"}, []float64{0, 0, 0.5, 1, 0}, map[string]any{"year": 1995, "lang": "en"}},
	{"m6", "Se7en", []string{"Thriller"}, []float64{0, 0, 0.3, 1, 0}, map[string]any{"year": 1995, "lang": "en"}},
	{"m7", "Notting Hill", []string{"Comedy", "Romance"}, []float64{0, 0.8, 0.1, 0, 0.9}, map[string]any{"year": 1999, "lang": "en"}},
	{"m8", "Spirited Away", []string{"Animation", "Drama"}, []float64{1, 0.1, 0.5, 0, 0}, map[string]any{"year": 2001, "lang": "ja"}},
	{"m9", "Parasite", []string{"Thriller", "Drama", "Comedy"}, []float64{0, 0.4, 0.6, 0.8, 0}, map[string]any{"year": 2019, "lang": "ko"}},
	{"m10", "Before Sunrise", []string{"Drama", "Romance"}, []float64{0, 0.1, 0.8, 0, 0.9}, map[string]any{"year": 1995, "lang": "en"}},
	{"m11", "Shrek", []string{"Animation", "Comedy"}, []float64{0.9, 1, 0, 0, 0.1}, map[string]any{"year": 2001, "lang": "en"}},
	{"m12", "Zodiac", []string{"Thriller", "Drama"}, []float64{0, 0, 0.7, 0.9, 0}, map[string]any{"year": 2007, "lang": "en"}},
}

func fixtureByID(id string) (fixtureItem, bool) {
	for _, it := range fixtureItems {
		if it.id == id {
			return it, true
		}
	}
	return fixtureItem{}, false
}

func fixtureTitle(id string) string {
	it, _ := fixtureByID(id)
	return it.title
}

// fixtureSim is the cosine of the fixture's content vectors.
func fixtureSim(a, b string) float64 {
	x, okA := fixtureByID(a)
	y, okB := fixtureByID(b)
	if !okA || !okB {
		return 0
	}
	return cosine(x.vec, y.vec)
}

func cosine(x, y []float64) float64 {
	var dot, nx, ny float64
	for i := range x {
		dot += x[i] * y[i]
		nx += x[i] * x[i]
		ny += y[i] * y[i]
	}
	if nx == 0 || ny == 0 {
		return 0
	}
	return dot / math.Sqrt(nx*ny)
}

// fixtureInfo implements ItemInfo and Availability over fixtureItems; m6 is unavailable.
type fixtureInfo struct{}

func (fixtureInfo) Categories(id string) []string {
	it, _ := fixtureByID(id)
	return it.cats
}

func (fixtureInfo) Attribute(id, name string) (any, bool) {
	it, ok := fixtureByID(id)
	if !ok {
		return nil, false
	}
	v, ok := it.attrs[name]
	return v, ok
}

func (fixtureInfo) Available(id string) bool { return id != "m6" }

// fixtureLists are three candidate sources over the fixture on different raw scales.
func fixtureLists() []SourceList {
	return []SourceList{
		{Name: "cf", Items: []SourceScore{
			{ID: "m1", Score: 4.2}, {ID: "m11", Score: 4.0}, {ID: "m2", Score: 3.1}, {ID: "m4", Score: 2.5},
			{ID: "m9", Score: 2.2}, {ID: "m5", Score: 1.0}, {ID: "m12", Score: 0.4},
		}},
		{Name: "itemknn", Items: []SourceScore{
			{ID: "m3", Score: 0.9, Because: []string{"m1"}}, {ID: "m11", Score: 0.85, Because: []string{"m1"}},
			{ID: "m8", Score: 0.5, Because: []string{"m2"}}, {ID: "m7", Score: 0.4, Because: []string{"m4"}},
			{ID: "m2", Score: 0.3, Because: []string{"m1"}},
		}},
		{Name: "popular", Items: []SourceScore{
			{ID: "m6", Score: 310, Category: "Thriller"}, {ID: "m1", Score: 250}, {ID: "m10", Score: 40},
			{ID: "m4", Score: 120},
		}},
	}
}

// fixtureCandidates is the fixture blended with default options and annotated, with
// m5, m7, m8, m10 and m12 long-tail.
func fixtureCandidates(t testing.TB) []Candidate {
	t.Helper()
	cands, err := Blend(fixtureLists(), DefaultBlendOptions())
	if err != nil {
		t.Fatal(err)
	}
	tail := map[string]bool{"m5": true, "m7": true, "m8": true, "m10": true, "m12": true}
	for i := range cands {
		cands[i].Categories = fixtureInfo{}.Categories(cands[i].ID)
		cands[i].LongTail = tail[cands[i].ID]
	}
	return cands
}

// format renders candidates one per line for golden files.
func format(cands []Candidate) string {
	var b strings.Builder
	for i, c := range cands {
		fmt.Fprintf(&b, "%2d %-4s %.4f", i+1, c.ID, c.Score)
		if c.LongTail {
			b.WriteString(" tail")
		}
		fmt.Fprintf(&b, " [%s]", strings.Join(c.Categories, ","))
		for _, src := range []string{"cf", "itemknn", "popular", "content", "session"} {
			if v, ok := c.Sources[src]; ok {
				fmt.Fprintf(&b, " %s=%.3f", src, v)
			}
		}
		for _, r := range c.Reasons {
			b.WriteString(" | " + formatReason(r))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func formatReason(r recd.Reason) string {
	s := r.Type
	if r.Category != "" {
		s += "(" + r.Category + ")"
	}
	if len(r.Items) > 0 {
		s += "{" + strings.Join(r.Items, ",") + "}"
	}
	if r.Text != "" {
		s += " " + fmt.Sprintf("%q", r.Text)
	}
	return s
}

// golden compares got with testdata/name.golden, or rewrites it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test ./rank -run %s -update rewrites it)\ngot:\n%s\nwant:\n%s", path, t.Name(), got, want)
	}
}

// randomCandidates returns m candidates with random scores, vectors over dim latent
// dimensions, categories drawn from cats, and a given share of long-tail items; sim is the
// cosine of the vectors. Seeded.
func randomCandidates(seed uint64, m, dim int, tailShare float64) ([]Candidate, Similarity) {
	r := rand.New(rand.NewPCG(seed, 1))
	cats := []string{"Action", "Comedy", "Drama", "Horror", "Romance", "SciFi", "Animation", "Documentary"}
	vecs := make(map[string][]float64, m)
	cands := make([]Candidate, m)
	for i := range cands {
		id := fmt.Sprintf("i%04d", i)
		v := make([]float64, dim)
		for d := range v {
			v[d] = 0.5 * r.NormFloat64()
		}
		// Items of the same first category share a direction, so categories and vectors
		// agree, and the first two categories score higher, so the relevance order is
		// clustered as real ones are.
		c0 := r.IntN(len(cats))
		v[c0%dim] += 2
		score := r.Float64()
		if c0 < 2 {
			score += 0.4
		}
		cs := []string{cats[c0]}
		if r.Float64() < 0.4 {
			if c1 := r.IntN(len(cats)); c1 != c0 {
				cs = append(cs, cats[c1])
			}
		}
		vecs[id] = v
		cands[i] = Candidate{ID: id, Score: score, Categories: cs, LongTail: r.Float64() < tailShare,
			Sources: map[string]float64{"cf": 0}}
	}
	SortByScore(cands)
	return cands, func(a, b string) float64 { return cosine(vecs[a], vecs[b]) }
}

func ids(cands []Candidate) []string {
	out := make([]string, len(cands))
	for i, c := range cands {
		out[i] = c.ID
	}
	return out
}
