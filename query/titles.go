package query

import (
	"strconv"
	"strings"
)

// wordMatch is a vocabulary word close to an input word.
type wordMatch struct {
	id    int32
	edits int
}

// fuzzyWords returns the title words within typo tolerance of w, the exact word first.
func (v *Vocabulary) fuzzyWords(w string, fuzzy bool, out []wordMatch) []wordMatch {
	out = out[:0]
	if id, ok := v.tokID[w]; ok {
		out = append(out, wordMatch{id, 0})
	}
	if !fuzzy || len(w) < 4 {
		return out
	}
	limit := maxEdits(len(w))
	add := func(id int32) {
		for _, m := range out {
			if m.id == id {
				return
			}
		}
		if d := osa(w, v.toks[id], limit); d <= limit && d <= maxEdits(len(v.toks[id])) {
			out = append(out, wordMatch{id, d})
		}
	}
	for _, id := range v.deletes[w] { // the user dropped a letter
		add(id)
	}
	var buf [64]byte
	for i := range len(w) {
		d := append(append(buf[:0], w[:i]...), w[i+1:]...)
		if id, ok := v.tokID[string(d)]; ok { // the user added a letter
			add(id)
		}
		for _, id := range v.deletes[string(d)] { // substitution or transposition
			add(id)
		}
	}
	return out
}

// titleMatch is a title found in the input at words [start, end).
type titleMatch struct {
	item       int32
	start, end int
	edits      int
	kind       uint8
	words      int // title words matched (end-start minus a consumed year)
}

func (m titleMatch) better(o titleMatch, v *Vocabulary) bool {
	switch {
	case m.end-m.start != o.end-o.start:
		return m.end-m.start > o.end-o.start
	case m.edits != o.edits:
		return m.edits < o.edits
	case m.kind != o.kind:
		// A whole title beats part of one, unless the part belongs to a far more popular
		// item: "Lord of the Rings" means the 2001 film more often than the 1978 one.
		pm, po := v.items[m.item].pop, v.items[o.item].pop
		if pm >= 4*po && pm > 0 || po >= 4*pm && po > 0 {
			return pm > po
		}
		return m.kind < o.kind
	case v.items[m.item].pop != v.items[o.item].pop:
		return v.items[m.item].pop > v.items[o.item].pop
	}
	return m.item < o.item
}

// matchTitle finds the best title that starts at words[i] and covers whole input words,
// preferring the longest, then the fewest typos, then main titles, then popular items.
// A year right after the title ("Dinosaur 2000") is consumed when it is the item's year.
// With prefix, the first two or more words of a title also match ("Harry Potter"), ranked
// below whole titles of the same length.
func (v *Vocabulary) matchTitle(words []token, i int, fuzzy, prefix bool) (titleMatch, bool) {
	var best titleMatch
	found := false
	var firstBuf [8]wordMatch
	for _, fm := range v.fuzzyWords(words[i].s, fuzzy, firstBuf[:0]) {
		for _, vid := range v.byFirst[fm.id] {
			vr := &v.variants[vid]
			n := len(vr.toks)
			if n > len(words)-i && !prefix {
				continue
			}
			edits, matched := fm.edits, 1
			for k := 1; k < n && i+k < len(words); k++ {
				w, t := words[i+k].s, v.toks[vr.toks[k]]
				if w != t {
					if !fuzzy {
						break
					}
					lim := min(maxEdits(len(w)), maxEdits(len(t)))
					d := osa(w, t, lim)
					if d > lim {
						break
					}
					edits += d
				}
				matched++
			}
			kind := vr.kind
			if matched < n {
				if !prefix || matched < 2 {
					continue
				}
				kind = kindPrefix
			}
			m := titleMatch{item: vr.item, start: i, end: i + matched, edits: edits, kind: kind, words: matched}
			if y := v.items[vr.item].year; y != 0 && m.end < len(words) && words[m.end].s == strconv.Itoa(y) {
				m.end++
			}
			if !found || m.better(best, v) {
				best, found = m, true
			}
		}
	}
	return best, found
}

// ResolveTitle finds the catalog item a free-form title names ("amelie", "The Matrix",
// "Dinosaur (2000)"), tolerating case, accents, articles and typos. The whole text must
// match a title, apart from leading articles and a trailing year.
func (v *Vocabulary) ResolveTitle(text string) (Liked, bool) {
	year := ""
	if m := trailingYearRE.FindStringSubmatchIndex(text); m != nil {
		year, text = text[m[2]:m[3]], text[:m[0]]
	}
	if m := trailingArtRE.FindStringSubmatch(strings.TrimSpace(text)); m != nil {
		text = m[2] + " " + m[1] // "Matrix, The" -> "The Matrix"
	}
	words := tokenize(text + " " + year)
	for len(words) > 1 && articles[words[0].s] {
		words = words[1:]
	}
	if len(words) == 0 {
		return Liked{}, false
	}
	m, ok := v.matchTitle(words, 0, true, true)
	if !ok || m.end != len(words) {
		// A trailing year that is not the item's: try without it.
		if n := len(words); n > 1 && isYearWord(words[n-1].s) {
			m, ok = v.matchTitle(words[:n-1], 0, true, true)
			ok = ok && m.end == n-1
		} else {
			ok = false
		}
	}
	if !ok {
		return Liked{}, false
	}
	it := v.items[m.item]
	return Liked{ID: it.id, Title: it.title}, true
}

func isYearWord(s string) bool {
	if len(s) != 4 {
		return false
	}
	y, err := strconv.Atoi(s)
	return err == nil && y >= 1870 && y <= 2100
}
