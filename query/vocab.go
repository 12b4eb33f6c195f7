package query

import (
	"encoding/json"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/recd/recd"
)

// Vocabulary is the catalog as the parsers see it: a fuzzy title index and the category and
// tag vocabulary. It is immutable once built and safe for concurrent use; rebuild it with
// NewVocabulary when the catalog changes and publish it through a SwappableVocabulary.
type Vocabulary struct {
	items []vItem
	byID  map[string]int32

	tokID    map[string]int32
	toks     []string
	deletes  map[string][]int32 // one-deletion forms of title words -> word ids
	variants []variant
	byFirst  map[int32][]int32 // first word id -> variant ids

	categories []string            // catalog categories, sorted
	concepts   map[string]*concept // phraseKey -> concept
	lexKeys    []string            // single-word category keys, for typo-tolerant lookup
	maxPhrase  int
	numAttrs   map[string]bool // numeric attribute names other than year
	maxYear    int
}

type vItem struct {
	id, title string
	year      int
	pop       float64
}

// variant kinds, best first.
const (
	kindMain    = iota // the main title
	kindAlt            // an alternate title in parentheses
	kindPartial        // the part before or after a colon
	kindPrefix         // the first words of a title, matched at query time
)

type variant struct {
	item int32
	toks []int32
	kind uint8
}

// concept is what a word or phrase means: categories and/or catalog tags.
type concept struct {
	categories []string
	tags       []string
}

// VocabularyOptions tune NewVocabularyWith.
type VocabularyOptions struct {
	// Popularity breaks ties between items with the same title (higher wins), e.g. rating
	// counts by item id. Nil uses the number of tags on the item as a proxy.
	Popularity map[string]float64
}

// VocabularySource yields the current vocabulary; a *Vocabulary is its own source.
type VocabularySource interface {
	Vocabulary() *Vocabulary
}

// Vocabulary returns v itself, so a fixed vocabulary can be used as a source.
func (v *Vocabulary) Vocabulary() *Vocabulary { return v }

// SwappableVocabulary holds a vocabulary that can be replaced while parsers read it.
// Safe for concurrent use; the zero value holds an empty vocabulary.
type SwappableVocabulary struct{ p atomic.Pointer[Vocabulary] }

// Vocabulary returns the current vocabulary.
func (s *SwappableVocabulary) Vocabulary() *Vocabulary {
	if v := s.p.Load(); v != nil {
		return v
	}
	return emptyVocabulary
}

// Store publishes v; requests already parsing keep the old one.
func (s *SwappableVocabulary) Store(v *Vocabulary) { s.p.Store(v) }

var emptyVocabulary = NewVocabulary(nil)

// NewVocabulary builds the vocabulary of items with default options.
func NewVocabulary(items []recd.Item) *Vocabulary {
	return NewVocabularyWith(items, VocabularyOptions{})
}

var (
	trailingYearRE = regexp.MustCompile(`\s*\((\d{4})(?:[–-]\d{0,4})?\)\s*$`)
	trailingParRE  = regexp.MustCompile(`\s*\(([^()]*)\)\s*$`)
	trailingArtRE  = regexp.MustCompile(`(?i)^(.*\S),\s*(the|a|an|le|la|les|l'|el|il|lo|los|las|der|die|das|un|une|una|uno|gli|det|den|het|i|o|de)$`)
	akaRE          = regexp.MustCompile(`(?i)^(a\.k\.a\.|aka)\s+`)
)

// NewVocabularyWith builds the vocabulary of items. Items without a title are skipped.
func NewVocabularyWith(items []recd.Item, opts VocabularyOptions) *Vocabulary {
	v := &Vocabulary{
		byID: make(map[string]int32, len(items)), tokID: map[string]int32{},
		deletes: map[string][]int32{}, byFirst: map[int32][]int32{},
		concepts: map[string]*concept{}, numAttrs: map[string]bool{},
	}
	catSet, tagCount := v.addItems(items, opts)
	v.addConcepts(catSet, tagCount)
	sort.Strings(v.lexKeys)
	return v
}

// addItems indexes the titles of items and returns the catalog's categories (normalised to
// their catalog spelling) and how many items carry each tag.
func (v *Vocabulary) addItems(items []recd.Item, opts VocabularyOptions) (catSet map[string]string, tagCount map[string]int) {
	catSet = map[string]string{} // normalised -> catalog spelling
	tagCount = map[string]int{}
	for _, it := range items {
		for _, c := range it.Categories {
			if c = strings.TrimSpace(c); c != "" {
				if _, ok := catSet[normPhrase(c)]; !ok {
					catSet[normPhrase(c)] = c
				}
			}
		}
		for _, t := range it.Tags {
			if t = strings.ToLower(strings.TrimSpace(t)); t != "" {
				tagCount[t]++
			}
		}
		for k, a := range it.Attributes {
			if k != "year" && isNumber(a) {
				v.numAttrs[strings.ToLower(k)] = true
			}
		}
		if strings.TrimSpace(it.Title) == "" || it.ID == "" {
			continue
		}
		if _, dup := v.byID[it.ID]; dup {
			continue
		}
		pop := float64(len(it.Tags))
		if opts.Popularity != nil {
			pop = opts.Popularity[it.ID]
		}
		idx := int32(len(v.items))
		v.byID[it.ID] = idx
		vi := vItem{id: it.ID, title: it.Title, year: itemYear(it), pop: pop}
		v.items = append(v.items, vi)
		v.maxYear = max(v.maxYear, vi.year)
		v.addTitle(idx, it.Title)
	}
	return catSet, tagCount
}

// addConcepts adds a concept for each category, each lexicon entry naming a catalog category
// or tag, and each tag with a content word, then lists the one-word category concepts.
func (v *Vocabulary) addConcepts(catSet map[string]string, tagCount map[string]int) {
	for norm, c := range catSet {
		v.categories = append(v.categories, c)
		v.addConcept(norm, []string{c}, nil)
	}
	sort.Strings(v.categories)
	for key, targets := range categoryLexicon {
		var cs []string
		for _, t := range targets {
			if c, ok := catSet[normPhrase(t)]; ok {
				cs = append(cs, c)
			}
		}
		if len(cs) > 0 {
			v.addConcept(key, cs, nil)
		}
	}
	for t := range tagCount {
		words := normWords(t)
		content := false
		for _, w := range words {
			if !stopWords[w] {
				content = true
			}
		}
		if content && len(words) <= 4 {
			v.addConcept(strings.Join(words, " "), nil, []string{t})
		}
	}
	for w, t := range tagLexicon {
		if tagCount[t] > 0 {
			v.addConcept(w, nil, []string{t})
		}
	}
	for k, c := range v.concepts {
		sort.Strings(c.tags)
		if len(c.categories) > 0 && !strings.Contains(k, " ") && len(k) >= 5 {
			v.lexKeys = append(v.lexKeys, k)
		}
	}
}

func (v *Vocabulary) addConcept(phrase string, cats, tags []string) {
	words := strings.Fields(phrase)
	key := phraseKey(words)
	c := v.concepts[key]
	if c == nil {
		c = &concept{}
		v.concepts[key] = c
	}
	c.categories = appendNew(c.categories, cats...)
	c.tags = appendNew(c.tags, tags...)
	v.maxPhrase = max(v.maxPhrase, len(words))
}

func appendNew(dst []string, src ...string) []string {
	for _, s := range src {
		found := false
		for _, d := range dst {
			if strings.EqualFold(d, s) {
				found = true
				break
			}
		}
		if !found {
			dst = append(dst, s)
		}
	}
	return dst
}

func isNumber(a any) bool {
	switch x := a.(type) {
	case int, int64, int32, float64, float32:
		return true
	case json.Number:
		_, err := x.Float64()
		return err == nil
	}
	return false
}

func itemYear(it recd.Item) int {
	switch y := it.Attributes["year"].(type) {
	case int:
		return y
	case int64:
		return int(y)
	case float64:
		return int(y)
	case json.Number:
		n, _ := y.Int64()
		return int(n)
	}
	if m := trailingYearRE.FindStringSubmatch(it.Title); m != nil {
		y, _ := strconv.Atoi(m[1])
		return y
	}
	return 0
}

// addTitle indexes the variants of a MovieLens-style title: "Amelie (Fabuleux destin
// d'Amélie Poulain, Le) (2001)" gives "amelie" and "fabuleux destin damelie poulain".
func (v *Vocabulary) addTitle(item int32, title string) {
	t := trailingYearRE.ReplaceAllString(title, "")
	var alts []string
	for {
		m := trailingParRE.FindStringSubmatchIndex(t)
		if m == nil || m[0] == 0 {
			break
		}
		alts = append(alts, akaRE.ReplaceAllString(t[m[2]:m[3]], ""))
		t = t[:m[0]]
	}
	v.addVariant(item, t, kindMain)
	for _, a := range alts {
		v.addVariant(item, a, kindAlt)
	}
}

func (v *Vocabulary) addVariant(item int32, title string, kind uint8) {
	title = strings.TrimSpace(title)
	if m := trailingArtRE.FindStringSubmatch(title); m != nil {
		title = m[2] + " " + m[1]
	}
	v.addWords(item, normWords(title), kind)
	if strings.Contains(title, "-") {
		v.addWords(item, normWords(strings.ReplaceAll(title, "-", "")), kind)
	}
	for _, sep := range []string{":", " - "} {
		if i := strings.Index(title, sep); i > 0 {
			v.addWords(item, normWords(title[:i]), kindPartial)
			v.addWords(item, normWords(title[i+len(sep):]), kindPartial)
		}
	}
}

func (v *Vocabulary) addWords(item int32, words []string, kind uint8) {
	for len(words) > 1 && articles[words[0]] {
		words = words[1:]
	}
	if len(words) == 0 {
		return
	}
	ids := make([]int32, len(words))
	for i, w := range words {
		ids[i] = v.wordID(w)
	}
	for _, vid := range v.byFirst[ids[0]] {
		if o := v.variants[vid]; o.item == item && equalIDs(o.toks, ids) {
			return
		}
	}
	v.byFirst[ids[0]] = append(v.byFirst[ids[0]], int32(len(v.variants)))
	v.variants = append(v.variants, variant{item: item, toks: ids, kind: kind})
}

func equalIDs(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (v *Vocabulary) wordID(w string) int32 {
	if id, ok := v.tokID[w]; ok {
		return id
	}
	id := int32(len(v.toks))
	v.tokID[w] = id
	v.toks = append(v.toks, w)
	if len(w) >= 4 {
		for i := range len(w) {
			d := w[:i] + w[i+1:]
			if l := v.deletes[d]; len(l) == 0 || l[len(l)-1] != id {
				v.deletes[d] = append(l, id)
			}
		}
	}
	return id
}

// Categories returns the catalog's categories, sorted. The slice must not be modified.
func (v *Vocabulary) Categories() []string { return v.categories }

// Len returns the number of titled items indexed.
func (v *Vocabulary) Len() int { return len(v.items) }

// Title returns the title of the item with id, if indexed.
func (v *Vocabulary) Title(id string) (string, bool) {
	if i, ok := v.byID[id]; ok {
		return v.items[i].title, true
	}
	return "", false
}
