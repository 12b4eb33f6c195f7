// Package client is the Go client of the recd REST API: typed calls for every route, retries
// with backoff on 429 and 503, and the server's JSON errors as *Error.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client calls one recd server. It holds no mutable state after New, so it is safe for
// concurrent use by many goroutines; the *http.Client it wraps pools the connections.
type Client struct {
	base       *url.URL
	apiKey     string
	hc         *http.Client
	retries    int
	minBackoff time.Duration
	maxBackoff time.Duration
	maxWait    time.Duration
}

// Option configures a Client in New.
type Option func(*Client) error

// DefaultRetries is how many times a call is retried after its first attempt, unless
// WithRetries says otherwise.
const DefaultRetries = 3

// WithAPIKey sends key as "Authorization: Bearer KEY" on every request.
func WithAPIKey(key string) Option {
	return func(c *Client) error {
		if strings.ContainsAny(key, "\r\n") {
			return errors.New("client: the API key holds a line break")
		}
		c.apiKey = key
		return nil
	}
}

// WithHTTPClient makes the client send its requests through hc (its timeout, transport and
// proxy). The default is a client with a 60-second timeout.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("client: nil *http.Client")
		}
		c.hc = hc
		return nil
	}
}

// WithRetries sets how many times a call is retried after its first attempt (0 turns
// retries off; default DefaultRetries). See Client.do for which failures are retried.
func WithRetries(n int) Option {
	return func(c *Client) error {
		if n < 0 {
			return fmt.Errorf("client: retries must be at least 0, not %d", n)
		}
		c.retries = n
		return nil
	}
}

// WithBackoff sets the backoff before the first retry (min, default 200ms) and the longest
// wait between two attempts (max, default 10s), which also caps a server's Retry-After.
func WithBackoff(minWait, maxWait time.Duration) Option {
	return func(c *Client) error {
		if minWait <= 0 || maxWait < minWait {
			return fmt.Errorf("client: backoff needs 0 < min <= max, not %v and %v", minWait, maxWait)
		}
		c.minBackoff, c.maxBackoff, c.maxWait = minWait, maxWait, maxWait
		return nil
	}
}

// New returns a client of the server at baseURL, such as "http://localhost:8080".
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("client: base URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("client: base URL %q needs an http or https scheme and a host", baseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("client: base URL %q has a query or fragment", baseURL)
	}
	c := &Client{base: u, hc: &http.Client{Timeout: 60 * time.Second}, retries: DefaultRetries,
		minBackoff: 200 * time.Millisecond, maxBackoff: 10 * time.Second, maxWait: 10 * time.Second}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// call is one API call: the route, its path parameters filled in, the query and the body.
type call struct {
	ep      endpoint
	params  []string // values for the {placeholders} of ep.path, in order
	query   url.Values
	body    []byte // JSON, replayed on every attempt
	stream  io.Reader
	ctype   string // the body's Content-Type; application/json when empty
	noRetry bool
	// keepBody, when set, also receives an error answer's JSON (a 422 batch lists its lines).
	keepBody any
}

// url fills the path's placeholders with the escaped params.
func (c *Client) url(k *call) string {
	p, i := k.ep.path, 0
	for i < len(k.params) {
		open := strings.IndexByte(p, '{')
		end := strings.IndexByte(p, '}')
		if open < 0 || end < open {
			break
		}
		p = p[:open] + url.PathEscape(k.params[i]) + p[end+1:]
		i++
	}
	u := c.base.String() + p
	if len(k.query) > 0 {
		u += "?" + k.query.Encode()
	}
	return u
}

// do sends the call and decodes a 2xx JSON answer into out (nil to drop it). Any other status
// is an *Error. It retries on 429 and 503 (after the server's Retry-After, else exponential
// backoff with jitter), and on connection errors only for idempotent methods (GET, PUT,
// DELETE); a streamed body is sent once.
func (c *Client) do(ctx context.Context, k *call, out any) error {
	attempts := c.retries + 1
	if k.noRetry || k.stream != nil {
		attempts = 1
	}
	for attempt := 0; ; attempt++ {
		resp, err := c.send(ctx, k)
		last := attempt+1 >= attempts
		if err != nil {
			if ctx.Err() != nil || last || !idempotent(k.ep.method) {
				return err
			}
			if err := c.sleep(ctx, c.backoff(attempt)); err != nil {
				return err
			}
			continue
		}
		if resp.StatusCode/100 == 2 {
			return decode(resp, out)
		}
		apiErr := readError(resp, k.keepBody)
		if last || !retryable(resp.StatusCode) {
			return apiErr
		}
		wait := c.backoff(attempt)
		if apiErr.RetryAfter > 0 {
			wait = min(apiErr.RetryAfter, c.maxWait)
		}
		if err := c.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// send makes one attempt.
func (c *Client) send(ctx context.Context, k *call) (*http.Response, error) {
	var body io.Reader
	switch {
	case k.stream != nil:
		body = k.stream
	case k.body != nil:
		body = bytes.NewReader(k.body)
	}
	req, err := http.NewRequestWithContext(ctx, k.ep.method, c.url(k), body)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		ct := k.ctype
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if c.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("client: %s %s: %w", k.ep.method, k.ep.path, err)
	}
	return resp, nil
}

// decode reads a 2xx answer's JSON into out and closes the body.
func decode(resp *http.Response, out any) error {
	defer resp.Body.Close()
	if out == nil || resp.StatusCode == http.StatusNoContent {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("client: decode %s answer: %w", resp.Request.URL.Path, err)
	}
	return nil
}

// jsonBody marshals v for a call's body.
func jsonBody(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("client: encode request: %w", err)
	}
	return b, nil
}
