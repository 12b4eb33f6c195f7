package service

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/recd/recd"
	"github.com/recd/recd/query"
	"github.com/recd/recd/rank"
)

// QueryRequest is a natural-language request.
type QueryRequest struct {
	Text      string
	UserID    string // optional: personalise within the query's constraints
	N         int
	Explain   bool
	Diversity *float64
}

// QueryResponse is the answer to a natural-language request.
type QueryResponse struct {
	Query             query.Query           `json:"query"`
	Parser            string                `json:"parser"`
	Fallback          string                `json:"fallback,omitempty"`
	Items             []recd.Recommendation `json:"items"`
	Strategy          string                `json:"strategy"`
	ModelVersion      string                `json:"model_version"`
	Explanation       string                `json:"explanation,omitempty"`
	ExplanationSource string                `json:"explanation_source,omitempty"`
	// Matched is false when nothing in the catalog answered the request's own terms (no
	// word found an item, no title resolved, no category, year, exclusion or condition
	// applied): the items are then what the strategy falls back to, popular items for an
	// anonymous request or the user's own recommendations.
	Matched bool `json:"matched"`
	// RecommendationID names this serving of the list (see rank.Response).
	RecommendationID string `json:"recommendation_id,omitempty"`
}

// maxQueryText bounds the request text in bytes when Limits.MaxQueryText is not set.
const maxQueryText = 2000

// Query parses a request (through the LLM when configured, else or on its failure through the
// built-in parser) and answers it with the same retrieval and ranking as every other request:
// liked titles seed item-kNN and CF, the remaining words search the content vectors, and the
// query's categories, years, exclusions and conditions filter the candidates.
func (s *reader) Query(ctx context.Context, req QueryRequest) (QueryResponse, error) {
	text, err := s.validateQuery(&req)
	if err != nil {
		return QueryResponse{}, err
	}
	sv := s.snap.Load()
	if sv == nil {
		return QueryResponse{}, ErrNoModel
	}
	res, err := s.parser.ParseResult(ctx, text)
	if err != nil {
		return QueryResponse{}, err
	}
	if res.Err != nil {
		s.log.Warn("LLM query parser failed; the built-in parser answered", "fallback", res.Fallback, "err", res.Err)
	}
	q := res.Query
	rr := s.queryRequest(ctx, sv, q, req)
	resp, err := sv.pipeline.Recommend(ctx, rr)
	if err != nil {
		return QueryResponse{}, err
	}
	out := QueryResponse{Query: q, Parser: res.Parser, Fallback: res.Fallback, Matched: queryMatched(q, rr),
		Items: resp.Items, Strategy: resp.Strategy, ModelVersion: resp.ModelVersion}
	if req.Explain {
		out.Explanation, out.ExplanationSource = s.explainQuery(ctx, q, resp.Items)
	}
	s.metrics.Recommendations.WithLabelValues("query").Inc()
	out.RecommendationID = s.recordQuery(req.UserID, &out)
	return out, nil
}

// validateQuery checks a request's text, n, diversity and user id, defaulting n to 10, and
// returns the trimmed text.
func (s *reader) validateQuery(req *QueryRequest) (string, error) {
	text := strings.TrimSpace(req.Text)
	maxText := s.opts.Limits.MaxQueryText
	if maxText <= 0 {
		maxText = maxQueryText
	}
	switch {
	case text == "":
		return "", recd.Invalid("text", "is required")
	case len(text) > maxText:
		return "", recd.Invalid("text", fmt.Sprintf("is longer than %d bytes", maxText))
	case !utf8.ValidString(text):
		return "", recd.Invalid("text", "is not valid UTF-8")
	}
	if req.N == 0 {
		req.N = 10
	}
	if err := s.checkN(req.N); err != nil {
		return "", err
	}
	if err := checkUnit("diversity", req.Diversity); err != nil {
		return "", err
	}
	if req.UserID != "" {
		if err := s.opts.Limits.validID("user_id", req.UserID); err != nil {
			return "", err
		}
	}
	return text, nil
}

// queryRequest turns a parsed query into a pipeline request: its rules and keep filter, the
// liked titles as context items, the user's history when one is named, and the query's own
// words as an extra source searched in the content vectors.
func (s *reader) queryRequest(ctx context.Context, sv *serving, q query.Query, req QueryRequest) rank.Request {
	rules := queryRules(q)
	rr := rank.Request{N: req.N, Rules: rules, Diversity: req.Diversity, Keep: queryKeep(q, s.Item)}
	if rr.Diversity == nil {
		rr.Diversity = q.Diversity
	}
	if q.Count > 0 && req.N == 10 {
		rr.N = min(q.Count, s.opts.Limits.MaxN)
	}
	for _, l := range q.Liked {
		rr.ContextItems = append(rr.ContextItems, l.ID)
	}
	if req.UserID != "" {
		rr.History = s.History(req.UserID)
	}
	// "Like X" asks for items resembling X: content counts as much as co-consumption here,
	// and the request's own words count most.
	rr.Weights = map[string]float64{"itemknn": 1, "ease": 0.5, "cf": 0.5, "content": 2, "query": 3}
	words := strings.TrimSpace(strings.Join(append(append([]string{q.FreeText}, q.Tags...), q.Keywords...), " "))
	if words != "" && sv.content != nil {
		if sparse, dense, ok := sv.content.EmbedItem(recd.Item{Text: words}); ok {
			rr.Extra = sv.pipeline.TextSources(ctx, &sparse, dense, rules)
			rr.Weights["content"] = 0.5 // the words' exact matches lead, their meaning follows
		}
	}
	return rr
}

// explainQuery writes the prose explanation of a query's answer and says who wrote it.
func (s *reader) explainQuery(ctx context.Context, q query.Query, recs []recd.Recommendation) (string, string) {
	items := make([]query.ExplainItem, len(recs))
	for i, r := range recs {
		m, _ := s.Item(r.ID)
		it := recd.Item{ID: r.ID, Title: m.Title, Categories: m.Categories, Attributes: m.Attributes}
		items[i] = query.ExplainItemFrom(r, &it, func(id string) string { m, _ := s.Item(id); return m.Title })
	}
	return s.explainer.Explain(ctx, q, items)
}

// queryMatched reports whether the request's own terms shaped the answer: its words found
// items (rr.Extra, the text sources, holds only non-empty lists), it named titles that
// resolved, or it constrained the catalog by category, year, exclusion or condition. When
// none did, the pipeline answered from its fallback alone (QueryResponse.Matched).
func queryMatched(q query.Query, rr rank.Request) bool {
	return len(rr.Extra) > 0 || len(rr.ContextItems) > 0 || len(q.Categories) > 0 ||
		len(q.ExcludeCategories) > 0 || len(q.ExcludeTags) > 0 || q.YearMin > 0 || q.YearMax > 0 ||
		len(q.Conditions) > 0
}

// recordQuery records a query's list as an impression under the user's gate, so that a
// deletion of the user either sees it queued or runs before it.
func (s *reader) recordQuery(user string, out *QueryResponse) string {
	if user != "" {
		defer s.gate.rlock(user)()
	}
	return s.imp.served(RouteQuery, user, "", out.Strategy, out.ModelVersion, out.Items)
}
