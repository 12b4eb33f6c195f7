package embed

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// retryable reports whether err is worth another try: rate limiting, a server error,
// a timeout or a network failure.
func retryable(err error) bool {
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		return apiErr.HTTPStatusCode == http.StatusTooManyRequests || apiErr.HTTPStatusCode >= 500
	}
	var reqErr *openai.RequestError
	if errors.As(err, &reqErr) {
		return reqErr.HTTPStatusCode == http.StatusTooManyRequests || reqErr.HTTPStatusCode >= 500
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true // the per-request timeout; the caller's context was checked first
	}
	var netErr net.Error
	return errors.As(err, &netErr)
}

// backoff returns a random wait in [b/2, b] with b = min(MaxBackoff, InitialBackoff·2^attempt).
func (e *OpenAIEmbedder) backoff(attempt int) time.Duration {
	b := e.cfg.InitialBackoff << min(attempt, 30)
	if b > e.cfg.MaxBackoff || b < e.cfg.InitialBackoff {
		b = e.cfg.MaxBackoff
	}
	if b <= 1 {
		return b
	}
	e.mu.Lock()
	j := e.rng.Int64N(int64(b/2) + 1)
	e.mu.Unlock()
	return b/2 + time.Duration(j)
}
