package embed

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Tokenize splits s into lowercase tokens of Unicode letters and digits with accents
// folded ("Amélie" -> "amelie", "ﬁlm" -> "film"). Every other rune separates tokens.
// It keeps stop words and short tokens; TF-IDF filters those by its options.
func Tokenize(s string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for _, r := range norm.NFKD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			// a combining mark left by the decomposition: drop it, keep the word whole
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			cur.WriteRune(unicode.ToLower(r))
		default:
			flush()
		}
	}
	flush()
	return out
}

// IsStopWord reports whether the lowercase token is an English stop word.
func IsStopWord(tok string) bool {
	_, ok := stopWords[tok]
	return ok
}

// phraseToken joins the tokens of a whole category or tag into one token, e.g.
// ("cat:", "Sci-Fi") -> "cat:sci_fi". It returns "" when s has no token.
func phraseToken(prefix, s string) string {
	toks := Tokenize(s)
	if len(toks) == 0 {
		return ""
	}
	return prefix + strings.Join(toks, "_")
}

var stopWords = func() map[string]struct{} {
	m := map[string]struct{}{}
	for _, w := range strings.Fields(stopWordList) {
		m[w] = struct{}{}
	}
	return m
}()

// stopWordList is a common English stop word list (function words, pronouns,
// auxiliaries, and the contraction fragments Tokenize produces).
const stopWordList = `
a about above after again against all almost also although am among an and another any
anyone anything are aren around as at be became because been before being below between
both but by can cannot could couldn d did didn do does doesn doing don done down during
each either else ever every few for from further get gets got had hadn has hasn have
haven having he her here hers herself him himself his how however i if in into is isn it
its itself just ll m may me might more most much must mustn my myself neither no nor not
now o of off often on once one only or other others otherwise our ours ourselves out over
own per perhaps quite rather re s same shall shan she should shouldn since so some such
t than that the their theirs them themselves then there therefore these they this those
though through thus to too under until up upon us ve very via was wasn we well were weren
what whatever when where whether which while who whom whose why will with within without
won would wouldn y yet you your yours yourself yourselves
`
