package describe

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// refusalRE matches answers that decline instead of describing.
var refusalRE = regexp.MustCompile(`(?i)^\W*(` + refusalToken + `|i'?m sorry|i am sorry|sorry,|i cannot|i can'?t|i can not|` +
	`i'?m unable|i am unable|i'?m not able|i am not able|unfortunately,? i|as an ai)\b|as an ai (language )?model|` +
	`i (cannot|can'?t|am unable to) (help|assist|provide|comply)`)

// titleRE finds what an answer presents as a title: a quoted or starred phrase, or a
// capitalised phrase followed by a year in parentheses.
var titleRE = regexp.MustCompile(`"([^"]{2,120})"|“([^”]{2,120})”|\*{1,2}([^*]{2,120})\*{1,2}|_([^_]{2,120})_|` +
	`((?:[\p{Lu}\p{N}][\p{L}\p{N}_'’:&!,.-]*\s+){0,8}[\p{Lu}\p{N}][\p{L}\p{N}_'’:&!.-]*)\s+\((\d{4})\)`)

// yearRE is a title's trailing year, "(1995)".
var yearRE = regexp.MustCompile(`\s*\(\d{4}(?:[–-]\d{0,4})?\)\s*$`)

// CheckAnswer returns the description an answer gives for an item titled title, trimmed,
// or an error: ErrMalformed for an empty answer or one that is not plain prose, ErrRefused
// for a refusal, ErrLength outside [minChars, maxChars] runes, ErrOtherTitle when it
// presents a title that is not the item's.
func CheckAnswer(answer, title string, minChars, maxChars int) (string, error) {
	s := strings.TrimSpace(answer)
	switch {
	case s == "":
		return "", fmt.Errorf("%w: empty", ErrMalformed)
	case !utf8.ValidString(s) || strings.ContainsRune(s, 0):
		return "", fmt.Errorf("%w: not valid text", ErrMalformed)
	case refusalRE.MatchString(withoutTitle(s, title)):
		return "", fmt.Errorf("%w: %.80q", ErrRefused, s)
	case json.Valid([]byte(s)) || strings.Contains(s, "```") ||
		strings.Contains(s, fenceOpen) || strings.Contains(s, fenceClose):
		return "", fmt.Errorf("%w: not plain prose", ErrMalformed)
	}
	if n := utf8.RuneCountInString(s); n < minChars || n > maxChars {
		return "", fmt.Errorf("%w: %d characters, want %d to %d", ErrLength, n, minChars, maxChars)
	}
	if other := otherTitle(s, title); other != "" {
		return "", fmt.Errorf("%w: %.80q is not %.80q", ErrOtherTitle, other, title)
	}
	return s, nil
}

// withoutTitle returns s without the item's title at its start, so that a title such as
// "I Can't Think Straight" does not read as a refusal.
func withoutTitle(s, title string) string {
	for _, t := range []string{title, yearRE.ReplaceAllString(title, "")} {
		if t != "" && len(s) >= len(t) && strings.EqualFold(s[:len(t)], t) {
			return s[len(t):]
		}
	}
	return s
}

// otherTitle returns the first title-like phrase of s that is not the item's title, or "".
// A phrase matches when, normalised, one contains the other ("The Matrix" and
// "Matrix, The (1999)"). Quoted phrases that are not capitalised (quoted words, not titles)
// are ignored.
func otherTitle(s, title string) string {
	want := normTitle(title)
	if want == "" {
		return ""
	}
	for _, m := range titleRE.FindAllStringSubmatch(s, -1) {
		phrase := ""
		for _, g := range m[1:6] {
			if g != "" {
				phrase = g
				break
			}
		}
		r, _ := utf8.DecodeRuneInString(phrase)
		if !unicode.IsUpper(r) && !unicode.IsDigit(r) {
			continue
		}
		got := normTitle(phrase)
		if got == "" || strings.Contains(got, want) || strings.Contains(want, got) ||
			strings.Contains(strings.ToLower(title), strings.ToLower(phrase)) {
			continue
		}
		return phrase
	}
	return ""
}

// normTitle lowercases a title, drops its trailing year, its trailing article ("Matrix, The"
// → "matrix") and its leading articles ("The Matrix" → "matrix"), and keeps letters and digits
// separated by single spaces.
func normTitle(t string) string {
	t = yearRE.ReplaceAllString(strings.TrimSpace(t), "")
	for _, a := range []string{", The", ", A", ", An", ", Les", ", La", ", Le", ", Il", ", Der", ", Die", ", Das"} {
		t = strings.TrimSuffix(t, a)
	}
	f := strings.FieldsFunc(strings.ToLower(t), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for len(f) > 1 && (f[0] == "the" || f[0] == "a" || f[0] == "an") {
		f = f[1:]
	}
	return strings.Join(f, " ")
}
