package query_test

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/query"
)

func Example() {
	items := []recd.Item{
		{ID: "4973", Title: "Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)", Categories: []string{"Comedy", "Romance"}},
		{ID: "6643", Title: "Tokyo Story (Tôkyô monogatari) (1953)", Categories: []string{"Drama"}, Tags: []string{"tokyo"}},
		{ID: "1407", Title: "Scream (1996)", Categories: []string{"Horror"}, Tags: []string{"slasher"}},
	}
	// Build once per catalog version and publish; parsers read the current one.
	var vocab query.SwappableVocabulary
	vocab.Store(query.NewVocabulary(items))

	// Without an LLM (LLM nil) the built-in parser answers; with one, it gets Timeout.
	parser := &query.FallbackParser{Builtin: query.Builtin{Vocab: &vocab}, Timeout: 2 * time.Second}
	r, _ := parser.ParseResult(context.Background(), "a lighthearted movie like amelei but set in Tokyo")
	b, _ := json.Marshal(r.Query)
	fmt.Println(r.Parser, r.Fallback)
	fmt.Println(string(b))

	expl := query.Explain(r.Query, []query.ExplainItem{{ID: "6643", Title: "Tokyo Story (1953)",
		Reasons: []recd.Reason{{Type: "similar_to", Items: []string{"4973"}}, {Type: "query", Text: "tokyo"}}}})
	fmt.Println(expl)
	// Output:
	// builtin llm_disabled
	// {"liked":[{"id":"4973","title":"Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)"}],"categories":["Comedy"],"tags":["tokyo"],"keywords":["tokyo"],"free_text":"tokyo"}
	// You asked for Comedy titles like Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001) matching "tokyo". Tokyo Story (1953): similar to Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001) and matches "tokyo".
}
