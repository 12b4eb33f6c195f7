package embed

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
)

// TFIDFOptions tunes FitTFIDF. Weights multiply a field's sublinear term frequency
// (1 + ln count) before the idf; a zero weight leaves the field out.
type TFIDFOptions struct {
	TitleWeight float64 `yaml:"title_weight"` // words of the title (the trailing "(1995)" is not a word)
	TextWeight  float64 `yaml:"text_weight"`  // words of the free text
	// GeneratedTextWeight weighs the words of the item's generated description
	// (recd.Generated, written by recd describe), kept apart from the owner's text; 0 leaves
	// it out.
	GeneratedTextWeight float64 `yaml:"generated_text_weight"`
	CategoryWeight      float64 `yaml:"category_weight"`      // the whole category as one token, "cat:sci_fi"
	CategoryWordWeight  float64 `yaml:"category_word_weight"` // the words of a category, "sci", "fi"
	TagWeight           float64 `yaml:"tag_weight"`           // the whole tag as one token, "tag:based_on_a_book"
	TagWordWeight       float64 `yaml:"tag_word_weight"`      // the words of a tag
	// YearTokens adds "year:1995" and "decade:1990s" from the title's trailing year (or the
	// item's "year" attribute), weighted by YearWeight.
	YearTokens bool    `yaml:"year_tokens"`
	YearWeight float64 `yaml:"year_weight"`
	// MinTokenLen drops word tokens shorter than this many runes (phrase tokens are kept).
	MinTokenLen int `yaml:"min_token_len"`
	// StopWords drops English stop words from the words (phrase tokens keep theirs).
	StopWords bool `yaml:"stop_words"`
	// MinDF keeps tokens found in at least this many items.
	MinDF int `yaml:"min_df"`
	// MaxDFRatio drops tokens found in more than this fraction of items (1 keeps all).
	MaxDFRatio float64 `yaml:"max_df_ratio"`
	// MaxFeatures keeps at most this many tokens, the most frequent by document
	// frequency (ties by token); 0 means no limit.
	MaxFeatures int `yaml:"max_features"`
}

// DefaultTFIDFOptions returns the defaults: categories count three times a title word,
// tags twice, stop words dropped, tokens of one rune dropped, tokens in fewer than two
// items dropped, at most 50,000 tokens, no year tokens.
func DefaultTFIDFOptions() TFIDFOptions {
	return TFIDFOptions{
		TitleWeight: 1, TextWeight: 1, GeneratedTextWeight: 1,
		CategoryWeight: 3, CategoryWordWeight: 1,
		TagWeight: 2, TagWordWeight: 1,
		YearWeight:  1,
		MinTokenLen: 2, StopWords: true,
		MinDF: 2, MaxDFRatio: 1, MaxFeatures: 50000,
	}
}

// Validate reports the first bad option.
func (o TFIDFOptions) Validate() error {
	for _, w := range []struct {
		name string
		v    float64
	}{{"title_weight", o.TitleWeight}, {"text_weight", o.TextWeight}, {"generated_text_weight", o.GeneratedTextWeight},
		{"category_weight", o.CategoryWeight}, {"category_word_weight", o.CategoryWordWeight},
		{"tag_weight", o.TagWeight}, {"tag_word_weight", o.TagWordWeight}, {"year_weight", o.YearWeight}} {
		if w.v < 0 || math.IsNaN(w.v) || math.IsInf(w.v, 0) {
			return recd.Invalid(w.name, "must be a finite number >= 0")
		}
	}
	switch {
	case o.MinTokenLen < 0:
		return recd.Invalid("min_token_len", "must be >= 0")
	case o.MinDF < 0:
		return recd.Invalid("min_df", "must be >= 0")
	case !(o.MaxDFRatio > 0 && o.MaxDFRatio <= 1):
		return recd.Invalid("max_df_ratio", "must be in (0, 1]")
	case o.MaxFeatures < 0:
		return recd.Invalid("max_features", "must be >= 0")
	}
	return nil
}

// Term is one entry of a fitted vocabulary.
type Term struct {
	Token string  `json:"token"`
	DF    int     `json:"df"`  // number of fitted items holding the token
	IDF   float64 `json:"idf"` // ln((1+n)/(1+df)) + 1
}

// TFIDF maps items to L2-normalised sparse TF-IDF vectors over a fitted vocabulary.
// It is immutable after FitTFIDF or UnmarshalBinary and safe for concurrent use.
type TFIDF struct {
	opts  TFIDFOptions
	nDocs int
	terms []Term         // by index; tokens in increasing order
	index map[string]int // token -> index
}

// FitTFIDF learns the vocabulary and idf weights from items.
func FitTFIDF(items []recd.Item, opts TFIDFOptions) (*TFIDF, error) {
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("fit tfidf: %w", err)
	}
	t := &TFIDF{opts: opts, nDocs: len(items)}
	df := map[string]int{}
	for _, it := range items {
		for tok := range t.weightedTF(it) {
			df[tok]++
		}
	}
	maxDF := int(math.Floor(opts.MaxDFRatio * float64(len(items))))
	kept := make([]Term, 0, len(df))
	for tok, n := range df {
		if n >= opts.MinDF && n <= maxDF {
			kept = append(kept, Term{Token: tok, DF: n})
		}
	}
	if opts.MaxFeatures > 0 && len(kept) > opts.MaxFeatures {
		slices.SortFunc(kept, func(a, b Term) int {
			if a.DF != b.DF {
				return b.DF - a.DF
			}
			return strings.Compare(a.Token, b.Token)
		})
		kept = kept[:opts.MaxFeatures]
	}
	slices.SortFunc(kept, func(a, b Term) int { return strings.Compare(a.Token, b.Token) })
	for i := range kept {
		kept[i].IDF = smoothIDF(len(items), kept[i].DF)
	}
	t.setTerms(kept)
	return t, nil
}

func smoothIDF(n, df int) float64 { return math.Log(float64(1+n)/float64(1+df)) + 1 }

func (t *TFIDF) setTerms(terms []Term) {
	t.terms = terms
	t.index = make(map[string]int, len(terms))
	for i, tm := range terms {
		t.index[tm.Token] = i
	}
}

// Dim is the size of the vocabulary: every index of a Transform result is below it.
func (t *TFIDF) Dim() int { return len(t.terms) }

// Options returns the options the model was fitted with.
func (t *TFIDF) Options() TFIDFOptions { return t.opts }

// Vocabulary returns a copy of the vocabulary, by index.
func (t *TFIDF) Vocabulary() []Term { return slices.Clone(t.terms) }

// Lookup returns the index of a token ("cat:animation", "dinosaur").
func (t *TFIDF) Lookup(token string) (int, bool) {
	i, ok := t.index[token]
	return i, ok
}

// Transform returns the item's TF-IDF vector, L2-normalised, with indices increasing.
// It works for items not seen at fit time; tokens outside the vocabulary are ignored,
// so an item with no known token gets the empty vector (which indexes reject).
func (t *TFIDF) Transform(it recd.Item) index.SparseVector {
	tf := t.weightedTF(it)
	type entry struct {
		i int
		v float64
	}
	es := make([]entry, 0, len(tf))
	for tok, w := range tf {
		i, ok := t.index[tok]
		if !ok || w <= 0 {
			continue
		}
		es = append(es, entry{i, w * t.terms[i].IDF})
	}
	slices.SortFunc(es, func(a, b entry) int { return a.i - b.i })
	// The norm is summed in term order, not map order, so a vector is the same on every call.
	var norm2 float64
	for _, e := range es {
		norm2 += e.v * e.v
	}
	sv := index.SparseVector{Indices: make([]uint32, len(es)), Values: make([]float32, len(es))}
	inv := 1 / math.Sqrt(norm2)
	for k, e := range es {
		sv.Indices[k] = uint32(e.i)
		sv.Values[k] = float32(e.v * inv)
	}
	return sv
}

// weightedTF returns, per token, the sum over fields of weight * (1 + ln count).
func (t *TFIDF) weightedTF(it recd.Item) map[string]float64 {
	o := t.opts
	out := map[string]float64{}
	counts := map[string]int{}
	field := func(w float64) {
		for tok, c := range counts {
			if w > 0 {
				out[tok] += w * (1 + math.Log(float64(c)))
			}
			delete(counts, tok)
		}
	}
	words := func(s string) {
		for _, tok := range Tokenize(s) {
			if utf8.RuneCountInString(tok) < o.MinTokenLen || (o.StopWords && IsStopWord(tok)) {
				continue
			}
			counts[tok]++
		}
	}
	title, year := splitYear(it.Title)
	words(title)
	field(o.TitleWeight)
	words(it.Text)
	field(o.TextWeight)
	if it.Generated != nil {
		words(it.Generated.Text)
		field(o.GeneratedTextWeight)
	}
	for _, c := range it.Categories {
		if tok := phraseToken("cat:", c); tok != "" {
			counts[tok]++
		}
	}
	field(o.CategoryWeight)
	for _, c := range it.Categories {
		words(c)
	}
	field(o.CategoryWordWeight)
	for _, g := range it.Tags {
		if tok := phraseToken("tag:", g); tok != "" {
			counts[tok]++
		}
	}
	field(o.TagWeight)
	for _, g := range it.Tags {
		words(g)
	}
	field(o.TagWordWeight)
	if o.YearTokens {
		if year == 0 {
			year = attrYear(it.Attributes)
		}
		if year > 0 {
			counts["year:"+strconv.Itoa(year)]++
			counts["decade:"+strconv.Itoa(year/10*10)+"s"]++
			field(o.YearWeight)
		}
	}
	return out
}

var titleYearRE = regexp.MustCompile(`\s*\((\d{4})(?:[–-]\d{0,4})?\)\s*$`)

// splitYear removes a trailing "(1995)" from a title and returns the year (0 if none).
func splitYear(title string) (string, int) {
	m := titleYearRE.FindStringSubmatchIndex(title)
	if m == nil {
		return title, 0
	}
	y, _ := strconv.Atoi(title[m[2]:m[3]])
	return title[:m[0]], y
}

func attrYear(attrs map[string]any) int {
	switch v := attrs["year"].(type) {
	case int:
		return v
	case int64:
		return int(v)
	case float64:
		if v == math.Trunc(v) && v > 0 && v < 1e5 {
			return int(v)
		}
	}
	return 0
}
