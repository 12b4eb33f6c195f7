package query

import (
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/dataset"
)

var (
	mlOnce  sync.Once
	mlVocab *Vocabulary
	mlErr   error
)

// movieLens returns the vocabulary of the bundled MovieLens latest-small catalog, with rating
// counts as popularity.
func movieLens(tb testing.TB) *Vocabulary {
	tb.Helper()
	mlOnce.Do(func() {
		d, err := dataset.ReadMovieLens("../examples/ml-latest-small")
		if err != nil {
			mlErr = err
			return
		}
		pop := map[string]float64{}
		for _, e := range d.Events {
			pop[e.ItemID]++
		}
		mlVocab = NewVocabularyWith(d.Items, VocabularyOptions{Popularity: pop})
	})
	if mlErr != nil {
		tb.Fatalf("read movielens: %v", mlErr)
	}
	return mlVocab
}

// want lists the parts of a Query a request must produce. Liked ids, categories, exclude
// categories, years and count must match exactly; tags, exclude tags and keywords must
// contain the listed entries; FreeText must contain each listed word.
type want struct {
	liked, cats, exCats []string
	tags, exTags, kws   []string
	free                []string
	yearMin, yearMax    int
	count               int
	diversity           bool
}

func TestParse(t *testing.T) {
	v := movieLens(t)
	tests := []struct {
		text string
		want want
	}{
		{"lighthearted movie like Amelie but set in Tokyo", want{liked: []string{"4973"}, cats: []string{"Comedy"}, tags: []string{"tokyo"}, kws: []string{"tokyo"}, free: []string{"tokyo"}}},
		{"90s horror but not slasher", want{cats: []string{"Horror"}, exTags: []string{"slasher"}, yearMin: 1990, yearMax: 1999}},
		{"something for kids about dinosaurs", want{cats: []string{"Children"}, tags: []string{"dinosaurs"}, kws: []string{"dinosaurs"}, free: []string{"dinosaurs"}}},
		{"movies like amelei", want{liked: []string{"4973"}}},
		{"like Amélie", want{liked: []string{"4973"}}},
		{"like le fabuleux destin d'amelie poulain", want{liked: []string{"4973"}}},
		{"films like the matrix", want{liked: []string{"2571"}}},
		{"similar to Matrix, but funny", want{liked: []string{"2571"}, cats: []string{"Comedy"}}},
		{"comedies before 1980", want{cats: []string{"Comedy"}, yearMax: 1979}},
		{"romantic movies after 2000", want{cats: []string{"Romance"}, yearMin: 2001}},
		{"a drama from 1995", want{cats: []string{"Drama"}, yearMin: 1995, yearMax: 1995}},
		{"thrillers since 2010", want{cats: []string{"Thriller"}, yearMin: 2010}},
		{"westerns from the sixties or seventies", want{cats: []string{"Western"}, yearMin: 1960, yearMax: 1979}},
		{"early 90s action, no gore", want{cats: []string{"Action"}, exTags: []string{"gore"}, yearMin: 1990, yearMax: 1994}},
		{"dark comedy between 1995 and 2005", want{cats: []string{"Comedy"}, tags: []string{"dark comedy"}, yearMin: 1995, yearMax: 2005}},
		{"funny but not romantic", want{cats: []string{"Comedy"}, exCats: []string{"Romance"}}},
		{"without horror or thriller", want{exCats: []string{"Horror", "Thriller"}}},
		{"not too scary please", want{exCats: []string{"Horror"}}},
		{"a cartoon for the whole family", want{cats: []string{"Animation", "Children"}}},
		{"top 5 sci-fi movies like star wars", want{liked: []string{"260"}, cats: []string{"Sci-Fi"}, count: 5}},
		{"like Toy Story and Shrek", want{liked: []string{"1", "4306"}}},
		{"like toy story 2", want{liked: []string{"3114"}}},
		{"like shawshnak redemption", want{liked: []string{"318"}}},
		{"I like scary movies", want{cats: []string{"Horror"}}},
		{"something like \"Kids\"", want{liked: []string{"175"}}},
		{"something for kids", want{cats: []string{"Children"}}},
		{"mystery with time travel", want{cats: []string{"Mystery"}, tags: []string{"time travel"}, kws: []string{"time travel"}}},
		{"comdy with a twist ending", want{cats: []string{"Comedy"}, tags: []string{"twist ending"}}},
		{"a diverse mix of thrillers", want{cats: []string{"Thriller"}, diversity: true}},
		{"documentaries about music from the 2000s", want{cats: []string{"Documentary"}, tags: []string{"music"}, yearMin: 2000, yearMax: 2009}},
		{"three war films set in vietnam", want{cats: []string{"War"}, kws: []string{"vietnam"}, free: []string{"vietnam"}, count: 3}},
		{"pre-1970 film noir", want{cats: []string{"Film-Noir"}, yearMax: 1969}},
		{"animated, no zombies", want{cats: []string{"Animation"}, exTags: []string{"zombies"}}},
		{"like Harry Potter", want{liked: []string{"4896"}}},
		{"like the Lord of the Rings", want{liked: []string{"4993"}}}, // the most rated of the films titled so
		{"star wars", want{tags: []string{"star wars"}, kws: []string{"star wars"}}},
		{"show me 20 anime from japan", want{cats: []string{"Animation"}, kws: []string{"japan"}, count: 20}},
		{"not a horror, I hate zombies", want{exCats: []string{"Horror"}, exTags: []string{"zombies"}}},
		{"films from the 20s", want{yearMin: 1920, yearMax: 1929}},
		{`"toy story" but for adults`, want{liked: []string{"1"}, kws: []string{"adults"}}},
		{`a "slow burn" thriller`, want{cats: []string{"Thriller"}, kws: []string{"slow burn"}}},
		{"", want{}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got := Parse(tt.text, v)
			var ids []string
			for _, l := range got.Liked {
				ids = append(ids, l.ID)
				if l.Title == "" {
					t.Errorf("liked %s has no title", l.ID)
				}
			}
			checkExact(t, "liked", ids, tt.want.liked, false)
			checkExact(t, "categories", got.Categories, tt.want.cats, true)
			checkExact(t, "exclude_categories", got.ExcludeCategories, tt.want.exCats, true)
			checkContains(t, "tags", got.Tags, tt.want.tags)
			checkContains(t, "exclude_tags", got.ExcludeTags, tt.want.exTags)
			checkContains(t, "keywords", got.Keywords, tt.want.kws)
			for _, w := range tt.want.free {
				if !strings.Contains(got.FreeText, w) {
					t.Errorf("free_text = %q, want it to contain %q", got.FreeText, w)
				}
			}
			if got.YearMin != tt.want.yearMin || got.YearMax != tt.want.yearMax {
				t.Errorf("years = %d..%d, want %d..%d", got.YearMin, got.YearMax, tt.want.yearMin, tt.want.yearMax)
			}
			if got.Count != tt.want.count {
				t.Errorf("count = %d, want %d", got.Count, tt.want.count)
			}
			if (got.Diversity != nil) != tt.want.diversity {
				t.Errorf("diversity = %v, want set = %v", got.Diversity, tt.want.diversity)
			}
			if err := got.Validate(); err != nil {
				t.Errorf("parsed query does not validate: %v", err)
			}
		})
	}
}

func checkExact(t *testing.T, field string, got, want []string, asSet bool) {
	t.Helper()
	g, w := slices.Clone(got), slices.Clone(want)
	if asSet {
		sort.Strings(g)
		sort.Strings(w)
	}
	if !slices.Equal(g, w) {
		t.Errorf("%s = %q, want %q", field, got, want)
	}
}

func checkContains(t *testing.T, field string, got, want []string) {
	t.Helper()
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("%s = %q, want it to contain %q", field, got, w)
		}
	}
}

func TestParse_commonWordsAreNotTitles(t *testing.T) {
	v := movieLens(t)
	for _, text := range []string{"something for kids", "scary movie night", "i want something funny",
		"a film set in tokyo", "movies about love", "something like that", "like horror but funny"} {
		t.Run(text, func(t *testing.T) {
			if got := Parse(text, v); len(got.Liked) != 0 {
				t.Errorf("liked = %+v, want none", got.Liked)
			}
		})
	}
}

func TestParse_nilVocabulary(t *testing.T) {
	got := Parse("90s movies like Amelie, not scary", nil)
	if len(got.Liked) != 0 || got.YearMin != 1990 || got.YearMax != 1999 {
		t.Errorf("got %+v, want no liked items and years 1990..1999", got)
	}
	if !slices.Contains(got.ExcludeTags, "scary") {
		t.Errorf("exclude_tags = %q, want scary kept as a tag to exclude", got.ExcludeTags)
	}
}

func TestParse_longInput(t *testing.T) {
	v := movieLens(t)
	got := Parse(strings.Repeat("horror é ", 5000), v)
	if err := got.Validate(); err != nil {
		t.Fatalf("validate: %v", err)
	}
	if !slices.Equal(got.Categories, []string{"Horror"}) {
		t.Errorf("categories = %q, want [Horror]", got.Categories)
	}
}

func BenchmarkParse(b *testing.B) {
	v := movieLens(b)
	texts := []string{
		"lighthearted movie like Amelie but set in Tokyo",
		"90s horror but not slasher",
		"something for kids about dinosaurs",
		"top 5 sci-fi movies like star wars from before 1990 without aliens",
		"comdy with a twist ending like shawshnak redemption",
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		Parse(texts[i%len(texts)], v)
	}
}

func mlItems(tb testing.TB) []recd.Item {
	d, err := dataset.ReadMovieLens("../examples/ml-latest-small")
	if err != nil {
		tb.Fatal(err)
	}
	return d.Items
}

// BenchmarkParse_worstCase parses the longest input the parser reads, full of triggers,
// negations and near-title words.
func BenchmarkParse_worstCase(b *testing.B) {
	v := movieLens(b)
	text := strings.Repeat("like the star wars not amelei from 1990 to 2000 ", 60)
	b.ReportAllocs()
	for b.Loop() {
		Parse(text, v)
	}
}

func TestParse_twoDigitDecades(t *testing.T) {
	v := movieLens(t) // the catalog ends in 2018
	for text, want := range map[string][2]int{"films from the 20s": {1920, 1929}, "00s comedy": {2000, 2009},
		"the 10s": {2010, 2019}, "late 70s": {1975, 1979}} {
		if q := Parse(text, v); q.YearMin != want[0] || q.YearMax != want[1] {
			t.Errorf("Parse(%q) years = %d..%d, want %d..%d", text, q.YearMin, q.YearMax, want[0], want[1])
		}
	}
	if q := Parse("films from the 20s", nil); q.YearMin != 2020 {
		t.Errorf("without a catalog, 20s = %d.., want 2020", q.YearMin)
	}
}
