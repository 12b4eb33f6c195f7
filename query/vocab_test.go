package query

import (
	"testing"

	"github.com/recd/recd"
)

func TestVocabulary_ResolveTitle(t *testing.T) {
	v := movieLens(t)
	tests := []struct{ text, id string }{
		{"Amelie", "4973"},
		{"amélie", "4973"},
		{"amelei", "4973"},
		{"Fabuleux destin d'Amélie Poulain, Le", "4973"},
		{"The Matrix", "2571"},
		{"Matrix, The", "2571"},
		{"matrix (1999)", "2571"},
		{"Dinosaur (2000)", "3615"},
		{"The Good Dinosaur", "136016"},
		{"Spiderman", "5349"},
		{"toy story", "1"},
		{"Toy Story 2", "3114"},
		{"shawshank redemption", "318"},
		{"Tokyo Story", "6643"},
		{"Tôkyô monogatari", "6643"},
		{"no such film anywhere", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got, ok := v.ResolveTitle(tt.text)
			if tt.id == "" {
				if ok {
					t.Fatalf("ResolveTitle(%q) = %+v, want no match", tt.text, got)
				}
				return
			}
			if !ok || got.ID != tt.id {
				t.Fatalf("ResolveTitle(%q) = %+v, %v; want id %s", tt.text, got, ok, tt.id)
			}
		})
	}
}

func TestVocabulary_smallCatalog(t *testing.T) {
	items := []recd.Item{
		{ID: "b1", Title: "Le Petit Prince", Categories: []string{"fiction", "children"}, Tags: []string{"Space", "fox"},
			Attributes: map[string]any{"year": 1943, "price": 9.5}},
		{ID: "b2", Title: "Das Boot", Categories: []string{"war"}, Attributes: map[string]any{"price": 20}},
		{ID: "b3", Title: ""},
	}
	v := NewVocabulary(items)
	if v.Len() != 2 {
		t.Fatalf("Len() = %d, want 2 titled items", v.Len())
	}
	if title, ok := v.Title("b2"); !ok || title != "Das Boot" {
		t.Errorf("Title(b2) = %q, %v", title, ok)
	}
	if _, ok := v.Title("b3"); ok {
		t.Error("an untitled item is indexed")
	}
	if got := v.Categories(); len(got) != 3 || got[0] != "children" {
		t.Errorf("Categories() = %q, want [children fiction war]", got)
	}
	q := Parse("books like petit prince for kids, price under 15, no war", v)
	if len(q.Liked) != 1 || q.Liked[0].ID != "b1" {
		t.Errorf("liked = %+v, want b1", q.Liked)
	}
	if len(q.Categories) != 1 || q.Categories[0] != "children" {
		t.Errorf("categories = %q, want the catalog's own spelling [children]", q.Categories)
	}
	if len(q.ExcludeCategories) != 1 || q.ExcludeCategories[0] != "war" {
		t.Errorf("exclude_categories = %q, want [war]", q.ExcludeCategories)
	}
	if len(q.Conditions) != 1 || q.Conditions[0] != (Condition{Field: "price", Op: "lt", Value: 15.0}) {
		t.Errorf("conditions = %+v, want price lt 15", q.Conditions)
	}
	if q2 := Parse("about space", v); len(q2.Tags) != 1 || q2.Tags[0] != "space" {
		t.Errorf("tags = %q, want the lowercased catalog tag [space]", q2.Tags)
	}
}

func TestSwappableVocabulary(t *testing.T) {
	var s SwappableVocabulary
	if s.Vocabulary() == nil || s.Vocabulary().Len() != 0 {
		t.Fatal("zero value must hold an empty vocabulary")
	}
	v := NewVocabulary([]recd.Item{{ID: "1", Title: "Heat (1995)"}})
	s.Store(v)
	if s.Vocabulary() != v {
		t.Fatal("Store did not publish the vocabulary")
	}
}

func BenchmarkNewVocabulary(b *testing.B) {
	movieLens(b)
	items := mlItems(b)
	b.ReportAllocs()
	for b.Loop() {
		NewVocabulary(items)
	}
}
