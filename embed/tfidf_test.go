package embed

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
)

// titleOnly weighs only title words and keeps every token, for hand-checkable fixtures.
func titleOnly() TFIDFOptions {
	o := DefaultTFIDFOptions()
	o.TextWeight, o.CategoryWeight, o.CategoryWordWeight, o.TagWeight, o.TagWordWeight = 0, 0, 0, 0, 0
	o.MinDF = 1
	return o
}

func TestFitTFIDF_Golden(t *testing.T) {
	items := []recd.Item{{ID: "1", Title: "cat dog dog"}, {ID: "2", Title: "dog fish"}, {ID: "3", Title: "bird"}}
	m, err := FitTFIDF(items, titleOnly())
	if err != nil {
		t.Fatal(err)
	}
	var toks []string
	for _, tm := range m.Vocabulary() {
		toks = append(toks, tm.Token)
	}
	if want := []string{"bird", "cat", "dog", "fish"}; !slices.Equal(toks, want) {
		t.Fatalf("vocabulary = %q, want %q", toks, want)
	}
	// n=3; idf(cat) = ln(4/2)+1 = 1.693147, idf(dog) = ln(4/3)+1 = 1.287682.
	// Item 1: cat tf 1 -> 1*1.693147; dog tf 2 -> (1+ln 2)*1.287682 = 2.180220;
	// L2 norm 2.760453, so cat = 0.613356 and dog = 0.789807.
	// Item 2: dog 1.287682, fish 1.693147 -> dog 0.605349, fish 0.795961.
	tests := []struct {
		item int
		want index.SparseVector
	}{
		{0, index.SparseVector{Indices: []uint32{1, 2}, Values: []float32{0.6133555, 0.7898069}}},
		{1, index.SparseVector{Indices: []uint32{2, 3}, Values: []float32{0.6053485, 0.7959605}}},
		{2, index.SparseVector{Indices: []uint32{0}, Values: []float32{1}}},
	}
	for _, tt := range tests {
		got := m.Transform(items[tt.item])
		if !slices.Equal(got.Indices, tt.want.Indices) {
			t.Fatalf("item %d indices = %v, want %v", tt.item, got.Indices, tt.want.Indices)
		}
		for k := range got.Values {
			if math.Abs(float64(got.Values[k]-tt.want.Values[k])) > 1e-6 {
				t.Errorf("item %d value[%d] = %v, want %v", tt.item, k, got.Values[k], tt.want.Values[k])
			}
		}
	}
	if got := m.Vocabulary()[2]; got.DF != 2 || math.Abs(got.IDF-(math.Log(4.0/3)+1)) > 1e-12 {
		t.Errorf("dog term = %+v, want df 2 idf %v", got, math.Log(4.0/3)+1)
	}
}

func TestTFIDF_Transform(t *testing.T) {
	items := []recd.Item{
		{ID: "1", Title: "The Matrix (1999)", Categories: []string{"Sci-Fi", "Action"}, Tags: []string{"Cyber Punk"}},
		{ID: "2", Title: "Matrix Reloaded (2003)", Categories: []string{"Sci-Fi"}, Tags: []string{"cyber punk"}},
	}
	o := DefaultTFIDFOptions()
	o.MinDF = 1
	o.YearTokens = true
	m, err := FitTFIDF(items, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("tokens of every field", func(t *testing.T) {
		for _, tok := range []string{"matrix", "reloaded", "cat:sci_fi", "cat:action", "sci", "fi", "action",
			"tag:cyber_punk", "cyber", "punk", "year:1999", "decade:1990s", "decade:2000s"} {
			if _, ok := m.Lookup(tok); !ok {
				t.Errorf("token %q missing from the vocabulary", tok)
			}
		}
		for _, tok := range []string{"the", "1999", "(1999)"} {
			if _, ok := m.Lookup(tok); ok {
				t.Errorf("token %q in the vocabulary, want it left out", tok)
			}
		}
	})
	t.Run("category outweighs title word", func(t *testing.T) {
		sv := m.Transform(items[0])
		val := func(tok string) float32 {
			i, _ := m.Lookup(tok)
			k, ok := slices.BinarySearch(sv.Indices, uint32(i))
			if !ok {
				t.Fatalf("token %q not in the vector", tok)
			}
			return sv.Values[k]
		}
		// both are in every item (same idf): the category token weighs 3, a title word 1.
		if c, w := val("cat:sci_fi"), val("matrix"); math.Abs(float64(c/w)-3) > 1e-5 {
			t.Errorf("cat:sci_fi/matrix = %v, want 3", c/w)
		}
	})
	t.Run("unit norm and increasing indices", func(t *testing.T) {
		sv := m.Transform(items[1])
		if !slices.IsSorted(sv.Indices) {
			t.Errorf("indices %v not sorted", sv.Indices)
		}
		if n := sparseDot(sv, sv); math.Abs(n-1) > 1e-6 {
			t.Errorf("squared norm = %v, want 1", n)
		}
	})
	t.Run("unknown tokens only", func(t *testing.T) {
		sv := m.Transform(recd.Item{Title: "Zzyzx"})
		if len(sv.Indices) != 0 || len(sv.Values) != 0 {
			t.Errorf("Transform = %+v, want empty", sv)
		}
	})
}

func TestFitTFIDF_Options(t *testing.T) {
	items := []recd.Item{{Title: "alpha beta"}, {Title: "alpha gamma"}, {Title: "alpha beta delta"}}
	o := titleOnly()
	o.MinDF = 2
	m, _ := FitTFIDF(items, o)
	if got := m.Dim(); got != 2 { // alpha (3), beta (2)
		t.Errorf("MinDF 2: Dim = %d, want 2", got)
	}
	o.MaxDFRatio = 0.9
	m, _ = FitTFIDF(items, o)
	if _, ok := m.Lookup("alpha"); ok || m.Dim() != 1 {
		t.Errorf("MaxDFRatio 0.9: vocabulary %v, want only beta", m.Vocabulary())
	}
	o = titleOnly()
	o.MaxFeatures = 2
	m, _ = FitTFIDF(items, o)
	if got := m.Vocabulary(); len(got) != 2 || got[0].Token != "alpha" || got[1].Token != "beta" {
		t.Errorf("MaxFeatures 2: vocabulary %v, want alpha, beta", got)
	}
	for name, bad := range map[string]func(*TFIDFOptions){
		"negative weight": func(o *TFIDFOptions) { o.TagWeight = -1 },
		"NaN weight":      func(o *TFIDFOptions) { o.TitleWeight = math.NaN() },
		"zero max df":     func(o *TFIDFOptions) { o.MaxDFRatio = 0 },
		"negative min df": func(o *TFIDFOptions) { o.MinDF = -1 },
	} {
		t.Run(name, func(t *testing.T) {
			o := DefaultTFIDFOptions()
			bad(&o)
			if _, err := FitTFIDF(items, o); !errors.Is(err, recd.ErrInvalid) {
				t.Errorf("FitTFIDF err = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestTFIDF_MovieLensNeighbours(t *testing.T) {
	items := movies(t)
	m, err := FitTFIDF(items, DefaultTFIDFOptions())
	if err != nil {
		t.Fatal(err)
	}
	vecs := make([]index.SparseVector, len(items))
	for i, it := range items {
		vecs[i] = m.Transform(it)
	}
	neighbours := func(q index.SparseVector, skip int) []int {
		scores := make([]float64, len(vecs))
		for i, v := range vecs {
			scores[i] = sparseDot(q, v)
		}
		return topK(scores, 10, skip)
	}
	t.Run("toy story", func(t *testing.T) {
		p := itemPos(t, items, "1")
		nn := neighbours(vecs[p], p)
		t.Logf("neighbours: %q", titles(items, nn))
		if got := countKids(items, nn); got < 5 {
			t.Errorf("%d/10 Animation or Children neighbours, want >= 5: %q", got, titles(items, nn))
		}
	})
	t.Run("cold item", func(t *testing.T) {
		nn := neighbours(m.Transform(raptorValley), -1)
		t.Logf("neighbours: %q", titles(items, nn))
		if got := countKids(items, nn); got < 5 {
			t.Errorf("%d/10 Animation or Children neighbours, want >= 5: %q", got, titles(items, nn))
		}
	})
}

func TestTFIDF_MarshalBinary(t *testing.T) {
	items := movies(t)[:500]
	o := DefaultTFIDFOptions()
	o.YearTokens = true
	m, err := FitTFIDF(items, o)
	if err != nil {
		t.Fatal(err)
	}
	data, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	t.Run("round trip", func(t *testing.T) {
		var got TFIDF
		if err := got.UnmarshalBinary(data); err != nil {
			t.Fatal(err)
		}
		if got.Options() != o || !slices.Equal(got.Vocabulary(), m.Vocabulary()) {
			t.Fatalf("decoded model differs")
		}
		for _, it := range append(items[:50:50], raptorValley) {
			a, b := m.Transform(it), got.Transform(it)
			if !slices.Equal(a.Indices, b.Indices) || !slices.Equal(a.Values, b.Values) {
				t.Fatalf("Transform(%s) differs after round trip", it.ID)
			}
		}
	})
	t.Run("corrupt", func(t *testing.T) {
		checkCorrupt(t, data, func(b []byte) error { var x TFIDF; return x.UnmarshalBinary(b) })
	})
}

// checkCorrupt feeds truncations and single-byte flips of data to unmarshal and wants
// ErrCorrupt every time (and no panic).
func checkCorrupt(t *testing.T, data []byte, unmarshal func([]byte) error) {
	t.Helper()
	step := max(1, len(data)/300)
	for n := 0; n < len(data); n += step {
		if err := unmarshal(data[:n]); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("truncated to %d bytes: err = %v, want ErrCorrupt", n, err)
		}
	}
	for i := 0; i < len(data); i += step {
		b := slices.Clone(data)
		b[i] ^= 0x5a
		if err := unmarshal(b); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("byte %d flipped: err = %v, want ErrCorrupt", i, err)
		}
	}
	if err := unmarshal(append(slices.Clone(data), 0)); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("trailing byte: err = %v, want ErrCorrupt", err)
	}
}

func TestTFIDF_SharedTerms(t *testing.T) {
	items := []recd.Item{
		{Title: "dinosaur valley", Categories: []string{"Animation"}},
		{Title: "dinosaur city", Categories: []string{"Animation"}},
		{Title: "valley city", Categories: []string{"Crime"}},
	}
	o := DefaultTFIDFOptions()
	o.MinDF = 1
	m, err := FitTFIDF(items, o)
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := m.Transform(items[0]), m.Transform(items[1]), m.Transform(items[2])
	tests := []struct {
		name string
		x, y index.SparseVector
		n    int
		want []string
	}{
		// cat:animation weighs 3 and shares dinosaur's idf; animation (the word) weighs 1
		{"by contribution", a, b, 5, []string{"cat:animation", "animation", "dinosaur"}},
		{"limited", a, b, 1, []string{"cat:animation"}},
		{"one shared", a, c, 5, []string{"valley"}},
		{"none", a, index.SparseVector{}, 5, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := m.SharedTerms(tt.x, tt.y, tt.n); !slices.Equal(got, tt.want) {
				t.Errorf("SharedTerms = %q, want %q", got, tt.want)
			}
		})
	}
}
