package rank

import (
	"slices"
	"testing"

	"github.com/recd/recd"
)

func TestSentence(t *testing.T) {
	cases := []struct {
		r    recd.Reason
		want string
	}{
		{recd.Reason{Type: ReasonSimilarTo, Items: []string{"m4"}}, "Because you liked Amelie"},
		{recd.Reason{Type: ReasonSimilarTo, Items: []string{"m4", "m1"}}, "Because you liked Amelie and Toy Story"},
		{recd.Reason{Type: ReasonSimilarTo, Items: []string{"m4", "m1", "m2", "m3"}}, "Because you liked Amelie, Toy Story and 2 more"},
		{recd.Reason{Type: ReasonSimilarTo, Items: []string{"x9"}}, "Because you liked x9"},
		{recd.Reason{Type: ReasonPopularIn, Category: "Comedy"}, "Popular in Comedy"},
		{recd.Reason{Type: ReasonPopular}, "Popular right now"},
		{recd.Reason{Type: ReasonTrending}, "Trending now"},
		{recd.Reason{Type: ReasonMatchesProfile}, "Matches your taste profile"},
		{recd.Reason{Type: ReasonMatchesProfile, Category: "Drama"}, "Matches your interest in Drama"},
		{recd.Reason{Type: ReasonCollaborative}, "People with similar taste liked this"},
		{recd.Reason{Type: ReasonSession, Items: []string{"m2", "m3"}}, "Related to what you just viewed: Up and Coco"},
		{recd.Reason{Type: ReasonLongTail}, "A lesser-known pick you may like"},
		{recd.Reason{Type: ReasonQuery, Items: []string{"Tokyo"}}, "Matches 'Tokyo'"},
		{recd.Reason{Type: "mystery"}, "Recommended for you"},
	}
	for _, tc := range cases {
		if got := Sentence(tc.r, fixtureTitle); got != tc.want {
			t.Errorf("Sentence(%+v) = %q, want %q", tc.r, got, tc.want)
		}
	}
	if got := Sentence(recd.Reason{Type: ReasonSimilarTo, Items: []string{"m4"}}, nil); got != "Because you liked m4" {
		t.Errorf("nil title: %q", got)
	}
}

func TestMergeReasons(t *testing.T) {
	shared := []string{"m1"}
	rs := []recd.Reason{
		{Type: ReasonSimilarTo, Items: shared, Source: "itemknn"},
		{Type: ReasonPopularIn, Category: "Comedy"},
		{Type: ReasonSimilarTo, Items: []string{"m2", "m1"}, Source: "content"},
		{Type: ReasonPopularIn, Category: "Drama"},
		{Type: ReasonPopularIn, Category: "Comedy", Text: "kept"},
	}
	got := MergeReasons(rs)
	if len(got) != 3 {
		t.Fatalf("got %d reasons: %+v", len(got), got)
	}
	if !slices.Equal(got[0].Items, []string{"m1", "m2"}) || got[0].Source != "itemknn" {
		t.Errorf("merged similar_to = %+v", got[0])
	}
	if got[1].Category != "Comedy" || got[1].Text != "kept" || got[2].Category != "Drama" {
		t.Errorf("popular_in = %+v, %+v", got[1], got[2])
	}
	if !slices.Equal(shared, []string{"m1"}) || cap(shared) != 1 {
		t.Errorf("caller's Items slice was modified: %v", shared)
	}
}

func TestExplain(t *testing.T) {
	cands := fixtureCandidates(t)
	if err := SessionBoost(cands, []string{"m12", "m6"}, fixtureSim, 0.3); err != nil {
		t.Fatal(err)
	}
	if err := LongTailShare(cands, 6, 0.3); err != nil {
		t.Fatal(err)
	}
	for i := range cands {
		if cands[i].ID == "m11" { // a second similar_to from another source merges with the first
			cands[i].Reasons = append(cands[i].Reasons, recd.Reason{Type: ReasonSimilarTo, Items: []string{"m2"}, Source: "content"})
		}
	}
	Explain(cands, fixtureTitle)
	for _, c := range cands {
		if len(c.Reasons) == 0 {
			t.Errorf("%s has no reason", c.ID)
		}
		for _, r := range c.Reasons {
			if r.Text == "" {
				t.Errorf("%s: reason %s without text", c.ID, r.Type)
			}
		}
	}
	golden(t, "explain", format(cands))
}
