package query

import (
	"strconv"
	"strings"
)

// decadeOf returns the first year of a decade word ("90s", "1990s", "nineties"), or 0.
// Two-digit decades up to "20s" are read as 2000-2020s, the rest as 1900s.
func decadeOf(s string) int {
	if y, ok := decadeWords[s]; ok {
		return y
	}
	if !strings.HasSuffix(s, "s") {
		return 0
	}
	d := s[:len(s)-1]
	n, err := strconv.Atoi(d)
	if err != nil || n%10 != 0 {
		return 0
	}
	switch len(d) {
	case 2:
		if n <= 20 {
			return 2000 + n
		}
		return 1900 + n
	case 4:
		if n >= 1800 && n <= 2090 {
			return n
		}
	}
	return 0
}

// yearAt reads a year expression at i: "1995", "90s", "the 1990s", "early 80s", "late
// nineties". It returns the inclusive range and the words consumed, or n == 0.
func (p *parser) yearAt(i int) (lo, hi, n int) {
	j := i
	if j < len(p.w) && p.w[j].s == "the" {
		j++
	}
	mod := ""
	if j < len(p.w) {
		switch p.w[j].s {
		case "early", "mid", "late":
			mod = p.w[j].s
			j++
		}
	}
	if j < len(p.w) && p.w[j].s == "the" { // "early in the 90s" is rare; "the early 90s" handled above
		j++
	}
	if j >= len(p.w) {
		return 0, 0, 0
	}
	w := p.w[j].s
	if d := decadeOf(w); d != 0 {
		if len(w) == 3 && d >= 2000 && p.v.maxYear > 0 && d > p.v.maxYear {
			d -= 100 // "20s" in a catalog that ends before 2020 means the 1920s
		}
		switch mod {
		case "early":
			return d, d + 4, j + 1 - i
		case "mid":
			return d + 3, d + 7, j + 1 - i
		case "late":
			return d + 5, d + 9, j + 1 - i
		}
		return d, d + 9, j + 1 - i
	}
	if mod == "" && isYearWord(w) {
		y, _ := strconv.Atoi(w)
		return y, y, j + 1 - i
	}
	return 0, 0, 0
}

func (p *parser) word(i int) string {
	if i < len(p.w) {
		return p.w[i].s
	}
	return ""
}

// years reads a year constraint at i and records it; it returns the words consumed.
func (p *parser) years(i int) int {
	w := p.word(i)
	k := 0 // length of the lead-in
	var kind string
	switch {
	case w == "before" || w == "pre" || w == "until" || w == "till" || w == "by":
		k, kind = 1, "before"
		if w == "until" || w == "till" || w == "by" {
			kind = "until"
		}
	case w == "prior" && p.word(i+1) == "to", w == "earlier" && p.word(i+1) == "than",
		w == "older" && p.word(i+1) == "than":
		k, kind = 2, "before"
	case w == "up" && p.word(i+1) == "to":
		k, kind = 2, "until"
	case w == "after" || w == "post":
		k, kind = 1, "after"
	case w == "since":
		k, kind = 1, "since"
	case (w == "later" || w == "newer") && p.word(i+1) == "than":
		k, kind = 2, "after"
	case w == "between":
		k, kind = 1, "between"
	case w == "from" || w == "in" || w == "of" || w == "circa" || w == "around" || w == "during":
		k, kind = 1, "in"
	case w == "recent" || w == "latest" || w == "newest":
		if p.v.maxYear > 0 {
			p.lo = max(p.lo, p.v.maxYear-4)
			return 1
		}
		return 0
	}
	lo, hi, n := p.yearAt(i + k)
	if n == 0 {
		return 0
	}
	end := i + k + n
	switch kind {
	case "before":
		p.setHi(lo - 1)
	case "until":
		p.setHi(hi)
	case "after":
		p.setLo(hi + 1)
	case "since":
		p.setLo(lo)
	default:
		// a range "between X and Y", "from X to Y", "X-Y" or "from X on(wards)"
		if s := p.word(end); s == "and" || s == "to" || s == "through" || s == "thru" || s == "until" ||
			s == "till" || isYearWord(s) || decadeOf(s) != 0 {
			skip := 1
			if isYearWord(s) || decadeOf(s) != 0 {
				skip = 0
			}
			if _, hi2, n2 := p.yearAt(end + skip); n2 > 0 && hi2 >= lo {
				p.addSpan(lo, hi2)
				return end + skip + n2 - i
			}
		}
		if s := p.word(end); s == "on" || s == "onward" || s == "onwards" || s == "forward" {
			p.setLo(lo)
			return end + 1 - i
		}
		if kind == "between" {
			return 0
		}
		p.addSpan(lo, hi)
	}
	return end - i
}

func (p *parser) addSpan(lo, hi int) {
	if p.spanLo == 0 || lo < p.spanLo {
		p.spanLo = lo
	}
	if hi > p.spanHi {
		p.spanHi = hi
	}
}

func (p *parser) setLo(y int) { p.lo = max(p.lo, y) }

func (p *parser) setHi(y int) {
	if p.hi == 0 || y < p.hi {
		p.hi = y
	}
}

// numberAt reads a count number (digits or a number word) at i.
func (p *parser) numberAt(i int) int {
	w := p.word(i)
	if n, ok := numberWords[w]; ok {
		return n
	}
	if n, err := strconv.Atoi(w); err == nil && n >= 1 && n <= MaxCount && len(w) <= 3 {
		return n
	}
	return 0
}

// count reads a count hint: "top 5", "5 movies", "three comedies". The noun is left for
// the next rules.
func (p *parser) count(i int) int {
	if p.word(i) == "top" {
		if n := p.numberAt(i + 1); n > 0 {
			p.q.Count = n
			return 2
		}
		return 0
	}
	n := p.numberAt(i)
	if n == 0 {
		return 0
	}
	next := p.word(i + 1)
	if countNouns[next] || countNouns[p.word(i+2)] && !isNumeric(next) || countNouns[p.word(i+3)] &&
		!isNumeric(next) && !isNumeric(p.word(i+2)) { // "3 movies", "3 war films", "3 dark sci fi movies"
		p.q.Count = n
		return 1
	}
	if c := p.v.concepts[stem(next)]; c != nil && len(c.categories) > 0 {
		p.q.Count = n // "5 comedies", "20 anime": a category word
		return 1
	}
	return 0
}

// condition reads "<numeric attribute> <comparison> <number>", e.g. "price under 20".
func (p *parser) condition(i int) int {
	field := p.word(i)
	if !p.v.numAttrs[field] {
		return 0
	}
	j := i + 1
	if s := p.word(j); s == "is" || s == "of" {
		j++
	}
	var op string
	switch a, b := p.word(j), p.word(j+1); {
	case a == "under" || a == "below" || (a == "less" || a == "lower" || a == "fewer") && b == "than":
		op = "lt"
	case a == "over" || a == "above" || (a == "more" || a == "greater" || a == "higher") && b == "than":
		op = "gt"
	case a == "at" && b == "most", a == "max", a == "maximum", a == "up" && b == "to":
		op = "lte"
	case a == "at" && b == "least", a == "min", a == "minimum":
		op = "gte"
	case a == "exactly" || a == "equal" || a == "equals":
		op = "eq"
	default:
		return 0
	}
	if b := p.word(j + 1); b == "than" || b == "most" || b == "least" || b == "to" {
		j++
	}
	j++
	v, err := strconv.ParseFloat(p.word(j), 64)
	if err != nil {
		return 0
	}
	p.q.Conditions = append(p.q.Conditions, Condition{Field: field, Op: op, Value: v})
	return j + 1 - i
}
