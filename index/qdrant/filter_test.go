package qdrant

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/protobuf/proto"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
)

func f64(x float64) *float64 { return &x }

func TestTranslateFilter(t *testing.T) {
	hasID := func(ids ...string) *qdrant.Condition {
		var pids []*qdrant.PointId
		for _, id := range ids {
			pids = append(pids, qdrant.NewIDUUID(PointID(id)))
		}
		return qdrant.NewHasID(pids...)
	}
	cases := []struct {
		name string
		in   *index.Filter
		want *qdrant.Filter
		none bool
	}{
		{"nil", nil, nil, false},
		{"zero", &index.Filter{}, nil, false},
		{"empty lists are no restriction", &index.Filter{Categories: []string{}, Deny: []string{}}, nil, false},
		{"categories", &index.Filter{Categories: []string{"drama", "comedy"}},
			&qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchKeywords("categories", "drama", "comedy")}}, false},
		{"exclude categories", &index.Filter{ExcludeCategories: []string{"horror"}},
			&qdrant.Filter{MustNot: []*qdrant.Condition{qdrant.NewMatchKeywords("categories", "horror")}}, false},
		{"available only", &index.Filter{AvailableOnly: true},
			&qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchBool("available", true)}}, false},
		{"allow and deny", &index.Filter{Allow: []string{"a", "b"}, Deny: []string{"c"}},
			&qdrant.Filter{Must: []*qdrant.Condition{hasID("a", "b")}, MustNot: []*qdrant.Condition{hasID("c")}}, false},
		{"empty allow list matches nothing", &index.Filter{Allow: []string{}}, nil, true},
		{"eq string", &index.Filter{Conditions: []index.Condition{{Field: "lang", Op: "eq", Value: "fr"}}},
			&qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchKeyword("attributes.lang", "fr")}}, false},
		{"eq bool", &index.Filter{Conditions: []index.Condition{{Field: "hd", Op: "eq", Value: true}}},
			&qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchBool("attributes.hd", true)}}, false},
		{"eq int is a closed range", &index.Filter{Conditions: []index.Condition{{Field: "year", Op: "eq", Value: 1990}}},
			&qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewRange("attributes.year", &qdrant.Range{Gte: f64(1990), Lte: f64(1990)})}}, false},
		{"ne string", &index.Filter{Conditions: []index.Condition{{Field: "lang", Op: "ne", Value: "en"}}},
			&qdrant.Filter{MustNot: []*qdrant.Condition{qdrant.NewMatchKeyword("attributes.lang", "en")}}, false},
		{"ne number", &index.Filter{Conditions: []index.Condition{{Field: "n", Op: "ne", Value: 2.5}}},
			&qdrant.Filter{MustNot: []*qdrant.Condition{qdrant.NewRange("attributes.n", &qdrant.Range{Gte: f64(2.5), Lte: f64(2.5)})}}, false},
		{"eq on a value nothing equals", &index.Filter{Conditions: []index.Condition{{Field: "x", Op: "eq", Value: []int{1}}}}, nil, true},
		{"ne on a value nothing equals", &index.Filter{Conditions: []index.Condition{{Field: "x", Op: "ne", Value: map[string]any{}}}}, nil, false},
		{"ranges", &index.Filter{Conditions: []index.Condition{
			{Field: "year", Op: "gte", Value: 1990}, {Field: "year", Op: "lt", Value: 2000.5},
			{Field: "rating", Op: "gt", Value: json.Number("3.5")}, {Field: "n", Op: "lte", Value: uint8(4)},
		}}, &qdrant.Filter{Must: []*qdrant.Condition{
			qdrant.NewRange("attributes.year", &qdrant.Range{Gte: f64(1990)}),
			qdrant.NewRange("attributes.year", &qdrant.Range{Lt: f64(2000.5)}),
			qdrant.NewRange("attributes.rating", &qdrant.Range{Gt: f64(3.5)}),
			qdrant.NewRange("attributes.n", &qdrant.Range{Lte: f64(4)}),
		}}, false},
		{"in strings", &index.Filter{Conditions: []index.Condition{{Field: "lang", Op: "in", Value: []any{"de", "fr"}}}},
			&qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchKeywords("attributes.lang", "de", "fr")}}, false},
		{"in mixed", &index.Filter{Conditions: []index.Condition{{Field: "v", Op: "in", Value: []any{"a", 2, true}}}},
			&qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewFilterAsCondition(&qdrant.Filter{Should: []*qdrant.Condition{
				qdrant.NewRange("attributes.v", &qdrant.Range{Gte: f64(2), Lte: f64(2)}),
				qdrant.NewMatchBool("attributes.v", true),
				qdrant.NewMatchKeywords("attributes.v", "a"),
			}})}}, false},
		{"nin strings", &index.Filter{Conditions: []index.Condition{{Field: "lang", Op: "nin", Value: []any{"de", "fr"}}}},
			&qdrant.Filter{MustNot: []*qdrant.Condition{qdrant.NewMatchKeywords("attributes.lang", "de", "fr")}}, false},
		{"nin mixed", &index.Filter{Conditions: []index.Condition{{Field: "v", Op: "nin", Value: []any{"a", 2}}}},
			&qdrant.Filter{MustNot: []*qdrant.Condition{qdrant.NewFilterAsCondition(&qdrant.Filter{Should: []*qdrant.Condition{
				qdrant.NewRange("attributes.v", &qdrant.Range{Gte: f64(2), Lte: f64(2)}),
				qdrant.NewMatchKeywords("attributes.v", "a"),
			}})}}, false},
		{"nin empty list matches everything", &index.Filter{Conditions: []index.Condition{{Field: "v", Op: "nin", Value: []any{}}}}, nil, false},
		{"in empty list matches nothing", &index.Filter{Conditions: []index.Condition{{Field: "v", Op: "in", Value: []any{}}}}, nil, true},
		{"field with a dot is quoted", &index.Filter{Conditions: []index.Condition{{Field: "a.b", Op: "eq", Value: "x"}}},
			&qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchKeyword(`attributes."a.b"`, "x")}}, false},
		{"combined", &index.Filter{Categories: []string{"c"}, AvailableOnly: true, Deny: []string{"d"},
			Conditions: []index.Condition{{Field: "year", Op: "gte", Value: 1960}}},
			&qdrant.Filter{
				Must: []*qdrant.Condition{qdrant.NewMatchKeywords("categories", "c"), qdrant.NewMatchBool("available", true),
					qdrant.NewRange("attributes.year", &qdrant.Range{Gte: f64(1960)})},
				MustNot: []*qdrant.Condition{hasID("d")},
			}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, none, err := translateFilter(c.in)
			if err != nil {
				t.Fatalf("translateFilter: %v", err)
			}
			if none != c.none {
				t.Fatalf("none = %v, want %v", none, c.none)
			}
			if !proto.Equal(got, c.want) {
				t.Errorf("got  %v\nwant %v", got, c.want)
			}
		})
	}
	t.Run("malformed condition", func(t *testing.T) {
		for _, cond := range []index.Condition{
			{Field: "", Op: "eq", Value: 1},
			{Field: "y", Op: "like", Value: 1},
			{Field: "y", Op: "gt", Value: "abc"},
			{Field: "y", Op: "in", Value: "abc"},
		} {
			_, _, err := translateFilter(&index.Filter{Conditions: []index.Condition{cond}})
			if !errors.Is(err, recd.ErrInvalid) {
				t.Errorf("translateFilter(%+v) = %v, want ErrInvalid", cond, err)
			}
		}
	})
}
