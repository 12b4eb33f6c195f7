package embed

import (
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
)

func generatedItems() []recd.Item {
	g := func(s string) *recd.Generated { return &recd.Generated{Text: s} }
	return []recd.Item{
		{ID: "a", Title: "Alpha", Generated: g("heist crew robbery")},
		{ID: "b", Title: "Beta", Generated: g("heist robbery vault")},
		{ID: "c", Title: "Gamma", Text: "robbery"},
	}
}

func weightOf(t *TFIDF, sv index.SparseVector, tok string) float32 {
	i, ok := t.Lookup(tok)
	if !ok {
		return 0
	}
	for k, idx := range sv.Indices {
		if int(idx) == i {
			return sv.Values[k]
		}
	}
	return 0
}

// TestTFIDF_GeneratedTextWeight: the generated description's words count by their own
// weight, kept apart from the owner's text; weight 0 leaves them out.
func TestTFIDF_GeneratedTextWeight(t *testing.T) {
	items := generatedItems()
	o := titleOnly()
	o.MinDF = 1
	o.GeneratedTextWeight = 1
	on, err := FitTFIDF(items, o)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := on.Lookup("heist"); !ok {
		t.Fatal("with weight 1, the generated word heist is not in the vocabulary")
	}
	if w := weightOf(on, on.Transform(items[0]), "heist"); w <= 0 {
		t.Errorf("heist weighs %v in item a's vector, want > 0", w)
	}
	o.GeneratedTextWeight = 3
	heavy, _ := FitTFIDF(items, o)
	if a, b := weightOf(heavy, heavy.Transform(items[0]), "heist"), weightOf(on, on.Transform(items[0]), "heist"); a <= b {
		t.Errorf("heist weighs %v at weight 3, %v at weight 1; want more", a, b)
	}
	o.GeneratedTextWeight = 0
	off, _ := FitTFIDF(items, o)
	if _, ok := off.Lookup("heist"); ok {
		t.Error("with weight 0, the generated word heist is in the vocabulary")
	}
	// The weight survives a round trip.
	b, err := heavy.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back TFIDF
	if err := back.UnmarshalBinary(b); err != nil || back.Options().GeneratedTextWeight != 3 {
		t.Errorf("round trip: weight %v, %v; want 3", back.Options().GeneratedTextWeight, err)
	}
}

func TestItemText_Generated(t *testing.T) {
	it := recd.Item{Title: "Heat (1995)", Text: "Owner text", Generated: &recd.Generated{Text: "A heist\n thriller"}}
	if got, want := ItemText(it), "Heat (1995). Owner text. A heist thriller."; got != want {
		t.Errorf("ItemText = %q, want %q", got, want)
	}
	if got, want := ItemTextWith(it, false), "Heat (1995). Owner text."; got != want {
		t.Errorf("ItemTextWith(false) = %q, want %q", got, want)
	}
}

// TestTFIDF_UnmarshalVersion1: a model saved before generated text existed reads with weight
// 0, so it transforms items as it did when it was fitted.
func TestTFIDF_UnmarshalVersion1(t *testing.T) {
	o := titleOnly()
	o.GeneratedTextWeight = 0
	m, err := FitTFIDF(generatedItems(), o)
	if err != nil {
		t.Fatal(err)
	}
	// Version 1's layout: version 2's without the trailing weight.
	e := newEncoder(tfidfMagic, 1)
	for _, w := range []float64{o.TitleWeight, o.TextWeight, o.CategoryWeight, o.CategoryWordWeight,
		o.TagWeight, o.TagWordWeight, o.YearWeight, o.MaxDFRatio} {
		e.f64(w)
	}
	e.bool(o.YearTokens)
	e.bool(o.StopWords)
	e.uvarint(uint64(o.MinTokenLen))
	e.uvarint(uint64(o.MinDF))
	e.uvarint(uint64(o.MaxFeatures))
	e.uvarint(uint64(m.nDocs))
	e.uvarint(uint64(len(m.terms)))
	for _, tm := range m.terms {
		e.str(tm.Token)
		e.uvarint(uint64(tm.DF))
		e.f64(tm.IDF)
	}
	var back TFIDF
	if err := back.UnmarshalBinary(e.finish()); err != nil {
		t.Fatal(err)
	}
	if back.Options().GeneratedTextWeight != 0 || back.Dim() != m.Dim() {
		t.Errorf("version 1 read as weight %v, %d terms; want 0 and %d", back.Options().GeneratedTextWeight, back.Dim(), m.Dim())
	}
	if got, want := back.Transform(generatedItems()[0]), m.Transform(generatedItems()[0]); len(got.Indices) != len(want.Indices) {
		t.Errorf("version 1 transforms to %v, want %v", got, want)
	}
}
