package query

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/recd/recd"
)

func ptr(f float64) *float64 { return &f }

func TestQuery_Clamp(t *testing.T) {
	long := strings.Repeat("x", 300)
	many := make([]string, 50)
	for i := range many {
		many[i] = strings.Repeat("t", i+1)
	}
	q := Query{
		Liked:       []Liked{{ID: " 1 ", Title: "A"}, {ID: "1"}, {ID: ""}},
		Categories:  []string{" Comedy ", "comedy", "", long},
		ExcludeTags: many,
		FreeText:    strings.Repeat("word ", 200),
		YearMin:     2005, YearMax: 1990,
		Conditions: []Condition{{Field: "price", Op: "LT", Value: 20}, {Field: "bad field!", Op: "eq", Value: 1},
			{Field: "name", Op: "lt", Value: "abc"}, {Field: "x", Op: "eq", Value: []int{1}},
			{Field: "y", Op: "gte", Value: math.Inf(1)}},
		Diversity: ptr(3),
		Count:     1000,
	}
	q.Clamp()
	if err := q.Validate(); err != nil {
		t.Fatalf("validate after clamp: %v", err)
	}
	if len(q.Liked) != 1 || q.Liked[0].ID != "1" {
		t.Errorf("liked = %+v, want one item with id 1", q.Liked)
	}
	if len(q.Categories) != 2 || q.Categories[0] != "Comedy" || len([]rune(q.Categories[1])) != MaxTermLen {
		t.Errorf("categories = %q, want Comedy and a cut long string", q.Categories)
	}
	if len(q.ExcludeTags) != MaxTerms {
		t.Errorf("exclude_tags has %d entries, want %d", len(q.ExcludeTags), MaxTerms)
	}
	if len(q.FreeText) > MaxFreeText {
		t.Errorf("free_text has %d bytes, want at most %d", len(q.FreeText), MaxFreeText)
	}
	if q.YearMin != 1990 || q.YearMax != 2005 {
		t.Errorf("years = %d..%d, want 1990..2005", q.YearMin, q.YearMax)
	}
	if len(q.Conditions) != 1 || q.Conditions[0].Op != "lt" || q.Conditions[0].Value != float64(20) {
		t.Errorf("conditions = %+v, want only price lt 20", q.Conditions)
	}
	if *q.Diversity != 1 || q.Count != MaxCount {
		t.Errorf("diversity, count = %v, %d, want 1, %d", *q.Diversity, q.Count, MaxCount)
	}
	t.Run("nan diversity dropped", func(t *testing.T) {
		q := Query{Diversity: ptr(math.NaN()), Count: -3, YearMin: 5}
		q.Clamp()
		if q.Diversity != nil || q.Count != 0 || q.YearMin != MinYear {
			t.Errorf("got diversity %v count %d year_min %d", q.Diversity, q.Count, q.YearMin)
		}
	})
}

func TestQuery_Validate(t *testing.T) {
	tests := []struct {
		name  string
		q     Query
		field string
	}{
		{"ok", Query{Categories: []string{"Comedy"}, Count: 10, Diversity: ptr(0.5), YearMin: 1990, YearMax: 1999}, ""},
		{"count", Query{Count: 101}, "query.count"},
		{"diversity", Query{Diversity: ptr(-0.1)}, "query.diversity"},
		{"years order", Query{YearMin: 2000, YearMax: 1990}, "query.year_min"},
		{"year range", Query{YearMax: 99999}, "query.year_max"},
		{"empty category", Query{Categories: []string{" "}}, "query.categories[0]"},
		{"liked without id", Query{Liked: []Liked{{Title: "x"}}}, "query.liked[0]"},
		{"condition op", Query{Conditions: []Condition{{Field: "price", Op: "~", Value: 1.0}}}, "query.conditions[0]"},
		{"too many tags", Query{Tags: make([]string, MaxTerms+1)}, "query.tags"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.q.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var fe *recd.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field || !errors.Is(err, recd.ErrInvalid) {
				t.Fatalf("Validate() = %v, want an invalid-argument error on %s", err, tt.field)
			}
		})
	}
}
