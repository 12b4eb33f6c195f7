package client

import (
	"context"
	"net/url"
)

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
func (c *Client) Health(ctx context.Context) (Status, error) {
	var out Status
	err := c.do(ctx, &call{ep: epHealth}, &out)
	return out, err
}

// Ready reports whether the server serves a trained model with every dependency up. A server
// that is not ready is a 503 *Error (Code "not_ready", Message its reason); it is asked once,
// not retried.
func (c *Client) Ready(ctx context.Context) (Status, error) {
	var out Status
	err := c.do(ctx, &call{ep: epReady, noRetry: true}, &out)
	return out, err
}
