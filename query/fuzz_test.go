package query

import (
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/recd/recd"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{"lighthearted movie like Amelie but set in Tokyo", "90s horror but not slasher",
		"like \"", "between 1990 and", "top 0 movies", "from 1990 to 1980", "\"\"\"", "not not no",
		"like l'été 1999", "early", "price under", "1990s-2000s", "ﬁlm ǅ ß Ⅻ", "like like like"} {
		f.Add(s)
	}
	v := NewVocabulary([]recd.Item{
		{ID: "1", Title: "Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)", Categories: []string{"Comedy", "Romance"}},
		{ID: "2", Title: "Matrix, The (1999)", Categories: []string{"Sci-Fi"}, Tags: []string{"cyberpunk"}},
		{ID: "3", Title: "Été (2010)", Tags: []string{"summer"}, Attributes: map[string]any{"price": 3.0}},
	})
	f.Fuzz(func(t *testing.T, s string) {
		q := Parse(s, v)
		if err := q.Validate(); err != nil {
			t.Fatalf("Parse(%q) gives an invalid query: %v", s, err)
		}
		for _, k := range q.Keywords {
			if !utf8.ValidString(k) && utf8.ValidString(s) {
				t.Fatalf("keyword %q is not valid UTF-8", k)
			}
		}
		v.ResolveTitle(s)
	})
}

func TestParse_concurrent(t *testing.T) {
	v := movieLens(t)
	want := Parse("90s horror but not slasher like Scream", v)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				got := Parse("90s horror but not slasher like Scream", v)
				if len(got.Liked) != len(want.Liked) || got.YearMin != want.YearMin {
					t.Errorf("concurrent parse differs: %+v vs %+v", got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}
