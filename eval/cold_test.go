package eval

import (
	"fmt"
	"slices"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/embed"
)

// coldFixture: two tastes (space and cooking), 40 items each, 30 users each who interact with
// 10 items of their taste.
func coldFixture() ([]recd.Item, []recd.Event) {
	var items []recd.Item
	var events []recd.Event
	for i := range 80 {
		words := "rocket orbit planet astronaut"
		if i%2 == 1 {
			words = "recipe kitchen baking chef"
		}
		items = append(items, recd.Item{ID: fmt.Sprintf("i%02d", i), Title: fmt.Sprintf("Item %d", i), Text: words})
	}
	for u := range 60 {
		for k := range 10 {
			it := (u*7+k*2)%80/2*2 + u%2 // an item of the user's parity
			events = append(events, recd.Event{UserID: fmt.Sprintf("u%02d", u), ItemID: fmt.Sprintf("i%02d", it), Type: "click"})
		}
	}
	return items, events
}

func TestColdItemSplit(t *testing.T) {
	_, events := coldFixture()
	split, cold, err := ColdItemSplit(events, 0.25, 7)
	if err != nil {
		t.Fatal(err)
	}
	distinct := map[string]bool{}
	for _, e := range events {
		distinct[e.ItemID] = true
	}
	if want := len(distinct) / 4; len(cold) != want {
		t.Errorf("%d cold items, want %d", len(cold), want)
	}
	for _, e := range split.Train {
		if slices.Contains(cold, e.ItemID) {
			t.Fatalf("training event on cold item %s", e.ItemID)
		}
	}
	held := 0
	for _, e := range events {
		if slices.Contains(cold, e.ItemID) {
			held++
		}
	}
	if held == 0 || split.NumTest() == 0 || len(split.Train)+held != len(events) {
		t.Errorf("train %d + held %d != %d events, or nothing held", len(split.Train), held, len(events))
	}
	again, cold2, _ := ColdItemSplit(events, 0.25, 7)
	other, cold3, _ := ColdItemSplit(events, 0.25, 8)
	if !slices.Equal(cold, cold2) || len(again.Train) != len(split.Train) {
		t.Error("the same seed gave another split")
	}
	if slices.Equal(cold, cold3) && len(other.Train) == len(split.Train) {
		t.Error("another seed gave the same split")
	}
}

// TestEvaluateCold: content that tells the two tastes apart finds a user's cold items far
// better than chance; content that says nothing does not.
func TestEvaluateCold(t *testing.T) {
	items, events := coldFixture()
	split, cold, err := ColdItemSplit(events, 0.25, 7)
	if err != nil {
		t.Fatal(err)
	}
	o := ColdOptions{K: 5, TFIDF: embed.DefaultTFIDFOptions()}
	good, err := EvaluateCold(split, cold, items, o)
	if err != nil {
		t.Fatal(err)
	}
	if good.Recall < 2*good.RandomRecall || good.Users == 0 {
		t.Errorf("telling content: recall %v, random %v; want at least twice chance", good.Recall, good.RandomRecall)
	}
	// Descriptions carry the taste while the text does not: with them, recall comes back.
	blind := make([]recd.Item, len(items))
	for i, it := range items {
		blind[i] = recd.Item{ID: it.ID, Title: "Item", Text: "thing", Generated: &recd.Generated{Text: it.Text}}
	}
	o.TFIDF.GeneratedTextWeight = 0
	off, err := EvaluateCold(split, cold, blind, o)
	if err != nil {
		t.Fatal(err)
	}
	o.TFIDF.GeneratedTextWeight = 1
	on, err := EvaluateCold(split, cold, blind, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("recall: telling content %v, generated weight 0: %v, 1: %v (random %v)", good.Recall, off.Recall, on.Recall, on.RandomRecall)
	if on.Recall < 2*on.RandomRecall || off.Recall >= on.Recall {
		t.Errorf("generated weight 0: %v, 1: %v (random %v); want 1 at least twice chance and above 0",
			off.Recall, on.Recall, on.RandomRecall)
	}
}
