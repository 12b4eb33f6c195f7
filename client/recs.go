package client

import (
	"context"
	"net/url"
	"strconv"
)

// RecommendRequest is the body of POST /v1/recommendations (RecommendFor), and what the
// RecOptions of Recommend fill in. Nil knobs and empty lists take the server's defaults.
type RecommendRequest struct {
	UserID       string   `json:"user_id,omitempty"`
	SessionID    string   `json:"session_id,omitempty"`
	ContextItems []string `json:"context_items,omitempty"` // POST only
	N            int      `json:"n,omitempty"`             // default 10
	// Diversity, Calibration, LongTailShare, SessionWeight and Rotation lie in [0,1];
	// ExposureStrength in [0,10].
	Diversity         *float64 `json:"diversity,omitempty"`
	Calibration       *float64 `json:"calibration,omitempty"`
	LongTailShare     *float64 `json:"long_tail_share,omitempty"`
	SessionWeight     *float64 `json:"session_weight,omitempty"`
	ExposureStrength  *float64 `json:"exposure_strength,omitempty"`
	Rotation          *float64 `json:"rotation,omitempty"`
	Exclude           []string `json:"exclude,omitempty"`
	Categories        []string `json:"categories,omitempty"`
	ExcludeCategories []string `json:"exclude_categories,omitempty"`
	Filters           []string `json:"filters,omitempty"` // "year>=1990", "lang:in:en|fr"
	Boosts            []string `json:"boosts,omitempty"`  // "category=Comedy^1.5"
}

// RecOption sets one field of a recommendation request.
type RecOption func(*RecommendRequest)

func knob(dst **float64, v float64) { *dst = &v }

// Diversity sets the MMR diversity in [0,1].
func Diversity(v float64) RecOption { return func(r *RecommendRequest) { knob(&r.Diversity, v) } }

// Calibration sets how strongly the list's category mix follows the history's, in [0,1].
func Calibration(v float64) RecOption { return func(r *RecommendRequest) { knob(&r.Calibration, v) } }

// LongTailShare sets the minimum share of long-tail items, in [0,1].
func LongTailShare(v float64) RecOption {
	return func(r *RecommendRequest) { knob(&r.LongTailShare, v) }
}

// SessionWeight sets the weight of the similarity to the last actions, in [0,1].
func SessionWeight(v float64) RecOption {
	return func(r *RecommendRequest) { knob(&r.SessionWeight, v) }
}

// ExposureStrength sets the boost of under-exposed items, in [0,10].
func ExposureStrength(v float64) RecOption {
	return func(r *RecommendRequest) { knob(&r.ExposureStrength, v) }
}

// Rotation sets how far items shown to the user before without an interaction sink, in [0,1].
func Rotation(v float64) RecOption { return func(r *RecommendRequest) { knob(&r.Rotation, v) } }

// SessionID adds the recent actions of an anonymous session.
func SessionID(id string) RecOption { return func(r *RecommendRequest) { r.SessionID = id } }

// Exclude never returns these item ids.
func Exclude(ids ...string) RecOption {
	return func(r *RecommendRequest) { r.Exclude = append(r.Exclude, ids...) }
}

// Categories keeps only items in any of these categories.
func Categories(cats ...string) RecOption {
	return func(r *RecommendRequest) { r.Categories = append(r.Categories, cats...) }
}

// ExcludeCategories never returns items in these categories.
func ExcludeCategories(cats ...string) RecOption {
	return func(r *RecommendRequest) { r.ExcludeCategories = append(r.ExcludeCategories, cats...) }
}

// Filters adds attribute conditions such as "year>=1990".
func Filters(conds ...string) RecOption {
	return func(r *RecommendRequest) { r.Filters = append(r.Filters, conds...) }
}

// Boosts adds multiplicative boosts such as "category=Comedy^1.5".
func Boosts(boosts ...string) RecOption {
	return func(r *RecommendRequest) { r.Boosts = append(r.Boosts, boosts...) }
}

// query is the request as the GET route's query string (ContextItems has no GET form).
func (r *RecommendRequest) query() url.Values {
	q := url.Values{}
	if r.N > 0 {
		q.Set("n", strconv.Itoa(r.N))
	}
	if r.SessionID != "" {
		q.Set("session_id", r.SessionID)
	}
	for name, v := range map[string]*float64{"diversity": r.Diversity, "calibration": r.Calibration,
		"long_tail_share": r.LongTailShare, "session_weight": r.SessionWeight, "exposure_strength": r.ExposureStrength,
		"rotation": r.Rotation} {
		if v != nil {
			q.Set(name, strconv.FormatFloat(*v, 'g', -1, 64))
		}
	}
	for name, vs := range map[string][]string{"exclude": r.Exclude, "category": r.Categories,
		"exclude_category": r.ExcludeCategories, "filter": r.Filters, "boost": r.Boosts} {
		for _, v := range vs {
			q.Add(name, v)
		}
	}
	return q
}

// Recommend returns n personalised recommendations for userID (an unknown user gets the
// popular list) through the GET route; opts tune the ranking.
func (c *Client) Recommend(ctx context.Context, userID string, n int, opts ...RecOption) (Recommendations, error) {
	r := RecommendRequest{N: n}
	for _, o := range opts {
		o(&r)
	}
	var out Recommendations
	err := c.do(ctx, &call{ep: epRecommend, params: []string{userID}, query: r.query()}, &out)
	return out, err
}

// RecommendFor returns recommendations for a user, an anonymous session or context items
// alone through the POST route.
func (c *Client) RecommendFor(ctx context.Context, req RecommendRequest) (Recommendations, error) {
	var out Recommendations
	b, err := jsonBody(req)
	if err != nil {
		return out, err
	}
	err = c.do(ctx, &call{ep: epRecommendFor, body: b}, &out)
	return out, err
}

// Next returns the next n items of a served recommendation list (infinite scroll): those its
// request ranks next that none of its pages showed, with a new RecommendationID chained to the
// first page. recommendationID is the first page's or any later page's; sessionID must be the
// list's session when it was served to an anonymous session ("" otherwise).
func (c *Client) Next(ctx context.Context, recommendationID string, n int, sessionID string) (Recommendations, error) {
	q := url.Values{}
	if n > 0 {
		q.Set("n", strconv.Itoa(n))
	}
	if sessionID != "" {
		q.Set("session_id", sessionID)
	}
	var out Recommendations
	err := c.do(ctx, &call{ep: epNext, params: []string{recommendationID}, query: q}, &out)
	return out, err
}

// Similar returns n items similar to itemID. by is itemknn, cf, content, hybrid or a vector
// space name ("" for the server's choice); categories keep only items in any of them.
func (c *Client) Similar(ctx context.Context, itemID string, n int, by string, categories ...string) (Recommendations, error) {
	q := listQuery(n, categories)
	if by != "" {
		q.Set("by", by)
	}
	var out Recommendations
	err := c.do(ctx, &call{ep: epSimilar, params: []string{itemID}, query: q}, &out)
	return out, err
}

// Popular returns the n most popular items, only in categories when given.
func (c *Client) Popular(ctx context.Context, n int, categories ...string) (Recommendations, error) {
	var out Recommendations
	err := c.do(ctx, &call{ep: epPopular, query: listQuery(n, categories)}, &out)
	return out, err
}

// Trending returns the n items with the highest time-decayed interaction score.
func (c *Client) Trending(ctx context.Context, n int, categories ...string) (Recommendations, error) {
	var out Recommendations
	err := c.do(ctx, &call{ep: epTrending, query: listQuery(n, categories)}, &out)
	return out, err
}

func listQuery(n int, categories []string) url.Values {
	q := url.Values{}
	if n > 0 {
		q.Set("n", strconv.Itoa(n))
	}
	for _, cat := range categories {
		q.Add("category", cat)
	}
	return q
}

// queryIn is the body of POST /v1/query.
type queryIn struct {
	Text      string   `json:"text"`
	UserID    string   `json:"user_id,omitempty"`
	N         int      `json:"n,omitempty"`
	Explain   *bool    `json:"explain,omitempty"`
	Diversity *float64 `json:"diversity,omitempty"`
}

// QueryOption sets one field of a natural-language request.
type QueryOption func(*queryIn)

// ForUser answers the request for this user (their history shapes the ranking).
func ForUser(id string) QueryOption { return func(q *queryIn) { q.UserID = id } }

// Limit sets the number of results (default 10).
func Limit(n int) QueryOption { return func(q *queryIn) { q.N = n } }

// Explain asks for the prose explanation or leaves it out (default on).
func Explain(on bool) QueryOption { return func(q *queryIn) { q.Explain = &on } }

// QueryDiversity sets the MMR diversity in [0,1].
func QueryDiversity(v float64) QueryOption { return func(q *queryIn) { q.Diversity = &v } }

// Query answers a natural-language request such as "90s horror but not slasher".
func (c *Client) Query(ctx context.Context, text string, opts ...QueryOption) (QueryResponse, error) {
	in := queryIn{Text: text}
	for _, o := range opts {
		o(&in)
	}
	var out QueryResponse
	b, err := jsonBody(in)
	if err != nil {
		return out, err
	}
	err = c.do(ctx, &call{ep: epQuery, body: b}, &out)
	return out, err
}

// Spaces lists the vector spaces with their dimension, metric and size.
func (c *Client) Spaces(ctx context.Context) ([]Space, error) {
	var out spaceList
	err := c.do(ctx, &call{ep: epSpaces}, &out)
	return out.Spaces, err
}

// Train trains every model now and serves the new version. Unless force, a store unchanged
// since the served version answers with that version, Skipped and the Reason. A run already
// going on is IsConflict(err). The call is not retried on a lost connection (POST), and its
// context should allow for the training time.
func (c *Client) Train(ctx context.Context, force bool) (Model, error) {
	var q url.Values
	if force {
		q = url.Values{"force": {"true"}}
	}
	var out Model
	err := c.do(ctx, &call{ep: epTrain, query: q}, &out)
	return out, err
}

// Models lists the saved model versions.
func (c *Client) Models(ctx context.Context) ([]Model, error) {
	var out modelList
	err := c.do(ctx, &call{ep: epModels}, &out)
	return out.Models, err
}

// Health reports whether the server process is up (GET /healthz).
func (c *Client) Health(ctx context.Context) (Health, error) {
	var out Health
	err := c.do(ctx, &call{ep: epHealth}, &out)
	return out, err
}

// Ready reports whether the server serves a trained model with every dependency up. A server
// that is not ready is a 503 *Error (Code "not_ready", Message its reason); it is asked once,
// not retried.
func (c *Client) Ready(ctx context.Context) (Ready, error) {
	var out Ready
	err := c.do(ctx, &call{ep: epReady, noRetry: true}, &out)
	return out, err
}
