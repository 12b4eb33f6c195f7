package service_test

import (
	"context"
	"strings"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/service"
)

func year(it recd.Item) int {
	y, _ := it.Attributes["year"].(int)
	return y
}

func anyOf(cats []string, want ...string) bool {
	for _, c := range cats {
		for _, w := range want {
			if c == w {
				return true
			}
		}
	}
	return false
}

// TestQuery_Requests runs natural-language requests end to end on the bundled catalog and
// checks properties of what comes back.
func TestQuery_Requests(t *testing.T) {
	svc, data := movieLens(t)
	cat := movies(data)
	ctx := context.Background()
	cases := []struct {
		text string
		// each returned item must pass every; first must hold for the first `firstN` items
		every  func(recd.Item) bool
		first  func(recd.Item) bool
		firstN int
		never  []string
	}{
		{text: "lighthearted movie like Amelie but set in Tokyo",
			every: func(it recd.Item) bool { return anyOf(it.Categories, "Comedy", "Romance") },
			never: []string{"4973"}},
		{text: "90s horror but not slasher",
			every: func(it recd.Item) bool {
				return anyOf(it.Categories, "Horror") && year(it) >= 1990 && year(it) <= 1999 && !has(it.Tags, "slasher")
			}},
		{text: "something for kids about dinosaurs",
			every: func(it recd.Item) bool { return anyOf(it.Categories, "Children", "Animation") },
			first: func(it recd.Item) bool {
				return strings.Contains(strings.ToLower(it.Title+" "+strings.Join(it.Tags, " ")), "dino") || strings.Contains(it.Title, "Land Before Time") || strings.Contains(it.Title, "Ice Age")
			},
			firstN: 2},
		{text: "comedies from the 80s", every: func(it recd.Item) bool {
			return anyOf(it.Categories, "Comedy") && year(it) >= 1980 && year(it) <= 1989
		}},
		{text: "scary movies before 1980", every: func(it recd.Item) bool { return anyOf(it.Categories, "Horror") && year(it) < 1980 }},
		{text: "animated films but not for children", every: func(it recd.Item) bool {
			return anyOf(it.Categories, "Animation") && !anyOf(it.Categories, "Children")
		}},
		{text: "something like Toy Story", never: []string{"1"}, firstN: 3,
			first: func(it recd.Item) bool { return anyOf(it.Categories, "Animation", "Children") }},
		{text: "war movies after 2000", every: func(it recd.Item) bool { return anyOf(it.Categories, "War") && year(it) > 2000 }},
		{text: "romantic comedy", every: func(it recd.Item) bool { return anyOf(it.Categories, "Romance", "Comedy") }},
		{text: "sci-fi without action", every: func(it recd.Item) bool {
			return anyOf(it.Categories, "Sci-Fi") && !anyOf(it.Categories, "Action")
		}},
		{text: "documentaries", every: func(it recd.Item) bool { return anyOf(it.Categories, "Documentary") }},
		{text: "a western", every: func(it recd.Item) bool { return anyOf(it.Categories, "Western") }},
		{text: "musicals from the 60s", every: func(it recd.Item) bool {
			return anyOf(it.Categories, "Musical") && year(it) >= 1960 && year(it) <= 1969
		}},
		{text: "thrillers like Heat", never: []string{"6"}, every: func(it recd.Item) bool { return anyOf(it.Categories, "Thriller") }},
		{text: "crime drama but no comedy", every: func(it recd.Item) bool {
			return anyOf(it.Categories, "Crime", "Drama") && !anyOf(it.Categories, "Comedy")
		}},
		{text: "film noir", every: func(it recd.Item) bool { return anyOf(it.Categories, "Film-Noir") }},
		{text: "fantasy adventure for the family", every: func(it recd.Item) bool {
			return anyOf(it.Categories, "Fantasy", "Adventure", "Children")
		}},
		{text: "mystery films after 2010", every: func(it recd.Item) bool { return anyOf(it.Categories, "Mystery") && year(it) > 2010 }},
		{text: "horror comedy", every: func(it recd.Item) bool { return anyOf(it.Categories, "Horror", "Comedy") }},
		{text: "something like The Matrix but not action", never: []string{"2571"}, every: func(it recd.Item) bool {
			return !anyOf(it.Categories, "Action")
		}},
	}
	for _, c := range cases {
		t.Run(c.text, func(t *testing.T) {
			resp, err := svc.Query(ctx, service.QueryRequest{Text: c.text, N: 10, Explain: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(resp.Items) < 5 {
				t.Fatalf("only %d results: %+v (query %+v)", len(resp.Items), ids(resp.Items), resp.Query)
			}
			if resp.Parser != "builtin" || resp.Explanation == "" {
				t.Errorf("parser %q, explanation %q", resp.Parser, resp.Explanation)
			}
			for i, r := range resp.Items {
				it := cat[r.ID]
				if c.every != nil && !c.every(it) {
					t.Errorf("result %d %s %v (%d) breaks the request (query %+v)", i, it.Title, it.Categories, year(it), resp.Query)
				}
				if c.first != nil && i < c.firstN && !c.first(it) {
					t.Errorf("result %d %s %v is not what the request asks for first", i, it.Title, it.Categories)
				}
				if has(c.never, r.ID) {
					t.Errorf("result %d is %s, which the request names", i, it.Title)
				}
				if len(r.Reasons) == 0 {
					t.Errorf("result %d has no reason", i)
				}
			}
		})
	}
}

func TestQuery_BadInput(t *testing.T) {
	svc, _ := movieLens(t)
	for _, req := range []service.QueryRequest{{Text: ""}, {Text: strings.Repeat("x", 3000)}, {Text: "ok", N: -1}, {Text: "ok", UserID: "a b"}} {
		if _, err := svc.Query(context.Background(), req); err == nil {
			t.Errorf("%+v accepted", req)
		}
	}
}

// The explanation names the liked items behind "similar to" by title, also when they are
// neither in the list nor in the query.
func TestQuery_ExplanationNamesLikedItemsByTitle(t *testing.T) {
	svc, data := movieLens(t)
	cat := movies(data)
	named := 0
	for _, text := range []string{"comedies", "action movies", "adventure films from the 80s"} {
		resp, err := svc.Query(context.Background(), service.QueryRequest{Text: text, N: 5, UserID: "1", Explain: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range resp.Items {
			for _, why := range r.Reasons {
				if why.Type != "similar_to" {
					continue
				}
				for _, id := range why.Items[:min(len(why.Items), 3)] {
					if title := cat[id].Title; !strings.Contains(resp.Explanation, title) {
						t.Errorf("%q: explanation %q does not name %s (%q)", text, resp.Explanation, id, title)
					}
					named++
				}
			}
		}
	}
	if named == 0 {
		t.Fatal("no similar_to reason in any answer: the test checks nothing")
	}
}
