package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/recd/recd"
)

// Error is an answer of the server outside 2xx: its HTTP status and the code, message and
// field of the JSON error body {"error":{"code","message","field"}}. Use errors.As to get
// it; errors.Is(err, recd.ErrNotFound) (and ErrInvalid, ErrUnprocessable, ErrUnavailable)
// also holds for the matching statuses.
type Error struct {
	StatusCode int    // the HTTP status, e.g. 404
	Code       string // the server's code, e.g. "not_found", "invalid_argument"
	Message    string
	Field      string // the field of the request at fault, when the server names one
	// RetryAfter is the server's Retry-After header (429, 503), 0 when absent.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	s := fmt.Sprintf("recd: %d %s: %s", e.StatusCode, e.Code, e.Message)
	if e.Field != "" {
		s += " (field " + e.Field + ")"
	}
	return s
}

// Unwrap returns the root package's sentinel error of the status, or nil.
func (e *Error) Unwrap() error {
	switch e.StatusCode {
	case http.StatusNotFound:
		return recd.ErrNotFound
	case http.StatusBadRequest:
		return recd.ErrInvalid
	case http.StatusUnprocessableEntity:
		return recd.ErrUnprocessable
	case http.StatusServiceUnavailable:
		return recd.ErrUnavailable
	}
	return nil
}

// IsNotFound reports whether err is the server's 404.
func IsNotFound(err error) bool { return statusIs(err, http.StatusNotFound) }

// IsInvalid reports whether err is the server's 400: Error.Field names the bad field.
func IsInvalid(err error) bool { return statusIs(err, http.StatusBadRequest) }

// IsUnauthorized reports whether err is 401 (no or unknown API key) or 403 (the key's role
// does not allow the route).
func IsUnauthorized(err error) bool {
	return statusIs(err, http.StatusUnauthorized) || statusIs(err, http.StatusForbidden)
}

// IsConflict reports whether err is 409, a training run already going on.
func IsConflict(err error) bool { return statusIs(err, http.StatusConflict) }

func statusIs(err error, status int) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == status
}

// readError turns a non-2xx answer into an *Error and closes the body; keep, when not nil,
// also receives the body's JSON. A body that is not
// the JSON error (a proxy's page, /readyz's status) still gives the status and some text.
func readError(resp *http.Response, keep any) *Error {
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if keep != nil {
		_ = json.Unmarshal(b, keep)
	}
	e := &Error{StatusCode: resp.StatusCode, RetryAfter: retryAfter(resp.Header.Get("Retry-After"))}
	var body struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Field   string `json:"field"`
		} `json:"error"`
		Status string `json:"status"`
		Reason string `json:"reason"`
	}
	switch {
	case json.Unmarshal(b, &body) == nil && body.Error != nil:
		e.Code, e.Message, e.Field = body.Error.Code, body.Error.Message, body.Error.Field
	case body.Status != "":
		e.Code, e.Message = strings.ReplaceAll(body.Status, " ", "_"), body.Reason
	default:
		e.Message = strings.TrimSpace(string(b))
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	return e
}

// retryAfter parses a Retry-After value: whole seconds or an HTTP date; 0 when absent or bad.
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// retryable reports whether a status says the request was not served and may be sent again.
func retryable(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable
}

// idempotent reports whether sending the method twice has the effect of sending it once, so
// that a request whose connection failed midway may be sent again.
func idempotent(method string) bool {
	return method == http.MethodGet || method == http.MethodPut || method == http.MethodDelete ||
		method == http.MethodHead
}

// backoff is the wait before retry attempt+1: min*2^attempt capped at max, of which a random half (equal jitter).
func (c *Client) backoff(attempt int) time.Duration {
	d := c.maxBackoff
	if attempt < 30 {
		d = min(c.minBackoff<<attempt, c.maxBackoff)
	}
	return d/2 + rand.N(d/2+1)
}

// sleep waits d or until ctx is done.
func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
