package query

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// token is one word of normalised text: lowercase, accents folded, apostrophes dropped.
type token struct {
	s      string
	cap    bool // the original word started with an upper-case letter
	quoted int  // 1-based number of the quoted span holding the word, 0 outside quotes
}

var specialFold = map[rune]string{
	'ß': "ss", 'æ': "ae", 'Æ': "ae", 'œ': "oe", 'Œ': "oe", 'ø': "o", 'Ø': "o", 'ł': "l", 'Ł': "l",
	'đ': "d", 'Đ': "d", 'þ': "th", 'Þ': "th", 'ð': "d", 'ı': "i",
}

func isApostrophe(r rune) bool { return r == '\'' || r == '’' || r == 'ʼ' || r == '`' || r == '‘' }

func isQuote(r rune) bool { return r == '"' || r == '“' || r == '”' || r == '«' || r == '»' }

// tokenize splits s into normalised words. Letters and digits make words; apostrophes are
// dropped inside words ("Schindler's" -> "schindlers", "d'Amélie" -> "damelie"); double quotes
// mark quoted spans; everything else separates words.
func tokenize(s string) []token {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if !ascii {
		s = norm.NFD.String(s)
	}
	var (
		out    []token
		b      strings.Builder
		cap    bool
		quoted int
		inQ    bool
		nQ     int
	)
	flush := func() {
		if b.Len() > 0 {
			q := 0
			if inQ {
				q = quoted
			}
			out = append(out, token{s: b.String(), cap: cap, quoted: q})
			b.Reset()
		}
	}
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9'):
			if b.Len() == 0 {
				cap = false
			}
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			if b.Len() == 0 {
				cap = true
			}
			b.WriteRune(r + ('a' - 'A'))
		case isApostrophe(r):
			// dropped: joins the word around it
		case unicode.Is(unicode.Mn, r):
			// combining accent left by NFD: dropped
		case isQuote(r):
			flush()
			if inQ {
				inQ = false
			} else {
				inQ, nQ = true, nQ+1
				quoted = nQ
			}
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if b.Len() == 0 {
				cap = unicode.IsUpper(r)
			}
			if f, ok := specialFold[r]; ok {
				b.WriteString(f)
			} else {
				b.WriteRune(unicode.ToLower(r))
			}
		default:
			flush()
		}
	}
	flush()
	return out
}

// normWords returns the normalised words of s.
func normWords(s string) []string {
	toks := tokenize(s)
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.s
	}
	return out
}

// normPhrase returns the normalised words of s joined by single spaces.
func normPhrase(s string) string { return strings.Join(normWords(s), " ") }

// stem is a light plural folding used for categories and tags: "comedies" -> "comedy",
// "dinosaurs" -> "dinosaur", "witches" -> "witch"; words of 3 letters or less are kept.
func stem(w string) string {
	n := len(w)
	switch {
	case n <= 3:
		return w
	case strings.HasSuffix(w, "ies") && n > 4:
		return w[:n-3] + "y"
	case strings.HasSuffix(w, "ches") || strings.HasSuffix(w, "shes") || strings.HasSuffix(w, "xes") ||
		strings.HasSuffix(w, "sses"):
		return w[:n-2]
	case strings.HasSuffix(w, "ss") || strings.HasSuffix(w, "us") || strings.HasSuffix(w, "is"):
		return w
	case w[n-1] == 's':
		return w[:n-1]
	}
	return w
}

// phraseKey is the lookup key of a word sequence: words joined by spaces, the last one stemmed.
func phraseKey(words []string) string {
	if len(words) == 0 {
		return ""
	}
	if len(words) == 1 {
		return stem(words[0])
	}
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		if i == len(words)-1 {
			w = stem(w)
		}
		b.WriteString(w)
	}
	return b.String()
}

// osa is the optimal-string-alignment edit distance between a and b (insertions, deletions,
// substitutions and adjacent transpositions), computed on bytes; it returns limit+1 as soon
// as the distance must exceed limit.
func osa(a, b string, limit int) int {
	la, lb := len(a), len(b)
	if d := la - lb; d > limit || -d > limit {
		return limit + 1
	}
	if la == 0 || lb == 0 {
		return max(la, lb)
	}
	var buf [3 * 33]int
	var prev2, prev, cur []int
	if lb+1 <= 33 {
		prev2, prev, cur = buf[0:lb+1], buf[33:33+lb+1], buf[66:66+lb+1]
	} else {
		prev2, prev, cur = make([]int, lb+1), make([]int, lb+1), make([]int, lb+1)
	}
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= la; i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= lb; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[lb]
}

// maxEdits is the typo tolerance for a word of n bytes.
func maxEdits(n int) int {
	switch {
	case n <= 3:
		return 0
	case n <= 7:
		return 1
	}
	return 2
}
