package query

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxInputBytes bounds the text the built-in parser reads; the rest is ignored.
const maxInputBytes = 2000

// Parse turns a request into a structured query with the built-in rules: example titles after
// "like"/"similar to"/... (or in double quotes) resolved fuzzily against v, words and phrases
// mapped to categories and tags, negation ("not", "without", "no", "but not") applied to the
// next concept, decades and years ("90s", "before 1980", "after 2000", "from 1995", "between
// 1990 and 1995"), count and diversity hints, and the remaining content words as keywords and
// free text. It never fails: unintelligible text gives a query with only free text, and the
// result is clamped. Safe for concurrent use; v nil means an empty vocabulary.
//
// "from 1995" and a bare "1995" mean released in 1995; "since 1995" and "from 1995 on" mean
// 1995 or later; "before 1980" means 1979 or earlier.
func Parse(text string, v *Vocabulary) Query {
	if v == nil {
		v = emptyVocabulary
	}
	if len(text) > maxInputBytes {
		text = text[:maxInputBytes]
		for !utf8.ValidString(text) {
			text = text[:len(text)-1]
		}
	}
	p := parser{v: v, w: tokenize(text)}
	p.run()
	return p.finish()
}

type negState uint8

const (
	negNone    negState = iota
	negPending          // a negation word was seen; the next concept is negated
	negApplied          // a concept was just negated; "or"/"and"/"nor" carry it to the next one
)

type parser struct {
	v   *Vocabulary
	w   []token
	q   Query
	neg negState
	kw  []string // positive content terms in order

	spanLo, spanHi int // union of decades and exact years mentioned
	lo, hi         int // bounds from before/after/since
}

func (p *parser) run() {
	n := len(p.w)
	for i := 0; i < n; {
		w := p.w[i].s
		if q := p.w[i].quoted; q != 0 {
			i = p.quoted(i, q)
			continue
		}
		if k := p.trigger(i); k > 0 {
			if end, ok := p.titles(i + k); ok {
				i, p.neg = end, negNone
			} else {
				i += k
			}
			continue
		}
		if negations[w] {
			p.neg = negPending
			i++
			continue
		}
		if k := p.years(i); k > 0 {
			i, p.neg = i+k, negNone
			continue
		}
		if k := p.count(i); k > 0 {
			i += k
			continue
		}
		if k := p.condition(i); k > 0 {
			i, p.neg = i+k, negNone
			continue
		}
		if diversityWords[w] {
			d := 0.8
			p.q.Diversity = &d
			i++
			continue
		}
		if k, c := p.concept(i); k > 0 {
			p.apply(c, p.w[i:i+k])
			i += k
			continue
		}
		if stopWords[w] {
			switch {
			case w == "but":
				p.neg = negNone
			case p.neg == negApplied && w != "or" && w != "and" && !articles[w]:
				p.neg = negNone
			}
			i++
			continue
		}
		if c := p.fuzzyConcept(w); c != nil {
			p.apply(c, p.w[i:i+1])
			i++
			continue
		}
		p.apply(nil, p.w[i:i+1])
		i++
	}
}

// apply records a concept (nil: an unknown content word) under the current negation.
func (p *parser) apply(c *concept, words []token) {
	phrase := joinTokens(words)
	if p.neg != negNone {
		p.neg = negApplied
		if c == nil {
			p.q.ExcludeTags = append(p.q.ExcludeTags, phrase)
			return
		}
		p.q.ExcludeCategories = append(p.q.ExcludeCategories, c.categories...)
		if len(c.tags) > 0 {
			p.q.ExcludeTags = append(p.q.ExcludeTags, c.tags...)
		} else if len(c.categories) == 0 {
			p.q.ExcludeTags = append(p.q.ExcludeTags, phrase)
		}
		return
	}
	if c != nil && len(c.categories) > 0 {
		p.q.Categories = append(p.q.Categories, c.categories...)
		return
	}
	if c != nil {
		p.q.Tags = append(p.q.Tags, c.tags...)
		if len(words) > 1 { // "dark comedy" also asks for Comedy ("star wars" does not ask for War)
			for _, w := range words {
				if wc := p.v.concepts[w.s]; wc != nil && stem(w.s) == w.s && !stopWords[w.s] {
					p.q.Categories = append(p.q.Categories, wc.categories...)
				}
			}
		}
	}
	if len(words) == 1 && (isNumeric(phrase) || articles[phrase]) {
		return // a stray number or article says nothing about content
	}
	p.kw = append(p.kw, phrase)
}

func joinTokens(words []token) string {
	if len(words) == 1 {
		return words[0].s
	}
	s := make([]string, len(words))
	for i, w := range words {
		s[i] = w.s
	}
	return strings.Join(s, " ")
}

// concept finds the longest category or tag phrase starting at i.
func (p *parser) concept(i int) (int, *concept) {
	n := min(p.v.maxPhrase, len(p.w)-i)
	var buf [8]string
	for k := n; k >= 1; k-- {
		if k == 1 && stopWords[p.w[i].s] {
			return 0, nil
		}
		words := buf[:0]
		for _, t := range p.w[i : i+k] {
			words = append(words, t.s)
		}
		if c := p.v.concepts[phraseKey(words)]; c != nil {
			return k, c
		}
	}
	return 0, nil
}

// fuzzyConcept maps a misspelt category word ("comdy", "horor") to its concept. Words that
// are title words are left alone.
func (p *parser) fuzzyConcept(w string) *concept {
	if len(w) < 5 {
		return nil
	}
	if _, ok := p.v.tokID[w]; ok {
		return nil
	}
	s := stem(w)
	for _, k := range p.v.lexKeys {
		if osa(s, k, 1) <= 1 {
			return p.v.concepts[k]
		}
	}
	return nil
}

// trigger returns the length of a title trigger phrase at i, or 0.
func (p *parser) trigger(i int) int {
	for _, t := range titleTriggers {
		if i+len(t) > len(p.w) {
			continue
		}
		ok := true
		for k, s := range t {
			if p.w[i+k].s != s {
				ok = false
				break
			}
		}
		if ok {
			return len(t)
		}
	}
	return 0
}

// titles resolves one or more titles joined by "and"/"or" starting at j; it returns the
// index after the last one.
func (p *parser) titles(j int) (int, bool) {
	end, any := j, false
	for {
		k := j
		for k+1 < len(p.w) && articles[p.w[k].s] {
			k++
		}
		if k >= len(p.w) {
			break
		}
		m, ok := p.v.matchTitle(p.w, k, true, p.w[k].cap || p.w[k].quoted != 0)
		if !ok || !p.plausibleTitle(m) {
			break
		}
		it := p.v.items[m.item]
		p.q.Liked = append(p.q.Liked, Liked{ID: it.id, Title: it.title})
		end, any = m.end, true
		if end+1 < len(p.w) && (p.w[end].s == "and" || p.w[end].s == "or" || p.w[end].s == "plus") {
			j = end + 1
			continue
		}
		break
	}
	return end, any
}

// plausibleTitle rejects titles made only of stop words, category words and numbers
// ("like scary movies" is not "Scary Movie") unless the user capitalised or quoted them.
func (p *parser) plausibleTitle(m titleMatch) bool {
	if p.w[m.start].cap || p.w[m.start].quoted != 0 {
		return true
	}
	for _, t := range p.w[m.start : m.start+m.words] {
		if stopWords[t.s] || negations[t.s] || articles[t.s] || isNumeric(t.s) || decadeOf(t.s) != 0 {
			continue
		}
		if c := p.v.concepts[stem(t.s)]; c != nil && len(c.categories) > 0 {
			continue
		}
		return true
	}
	return false
}

// quoted handles a quoted span starting at i: a title when one matches it whole, otherwise
// its words are content terms.
func (p *parser) quoted(i, q int) int {
	j := i
	for j < len(p.w) && p.w[j].quoted == q {
		j++
	}
	span := p.w[i:j]
	k := 0
	for k+1 < len(span) && articles[span[k].s] {
		k++
	}
	if m, ok := p.v.matchTitle(span, k, true, true); ok && m.end == len(span) {
		it := p.v.items[m.item]
		p.q.Liked = append(p.q.Liked, Liked{ID: it.id, Title: it.title})
		return j
	}
	p.apply(nil, span)
	return j
}

func isNumeric(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

func (p *parser) finish() Query {
	q := p.q
	if p.spanLo != 0 {
		q.YearMin, q.YearMax = p.spanLo, p.spanHi
	}
	if p.lo != 0 && p.lo > q.YearMin {
		q.YearMin = p.lo
	}
	if p.hi != 0 && (q.YearMax == 0 || p.hi < q.YearMax) {
		q.YearMax = p.hi
	}
	q.Keywords = p.kw
	q.FreeText = strings.Join(p.kw, " ")
	q.Clamp()
	return q
}
