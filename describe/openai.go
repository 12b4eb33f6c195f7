package describe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// OpenAIOptions configure the chat-completions Writer.
type OpenAIOptions struct {
	// BaseURL of the API including its version path, e.g. "http://localhost:11434/v1". Required.
	BaseURL string
	// Model sent with each request. Required.
	Model string
	// APIKey sent as a bearer token; empty for local servers that need none.
	APIKey string
	// MaxTokens, when positive, is sent as max_tokens. Default 0 (not sent).
	MaxTokens int
	// HTTPClient overrides the HTTP client; nil uses a new one.
	HTTPClient *http.Client
}

// OpenAI writes descriptions through an OpenAI-compatible chat completions API (go-openai).
// One call per item at temperature 0; the job adds pacing, timeouts and retries. Safe for
// concurrent use.
type OpenAI struct {
	c    *openai.Client
	opts OpenAIOptions
}

var _ Writer = (*OpenAI)(nil)

// NewOpenAI returns the writer.
func NewOpenAI(o OpenAIOptions) (*OpenAI, error) {
	switch {
	case o.BaseURL == "":
		return nil, errors.New("describe: base URL is required")
	case o.Model == "":
		return nil, errors.New("describe: model is required")
	case o.MaxTokens < 0:
		return nil, errors.New("describe: max tokens must not be negative")
	}
	cfg := openai.DefaultConfig(o.APIKey)
	cfg.BaseURL = strings.TrimRight(o.BaseURL, "/")
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	wrapped := *hc
	wrapped.Transport = retryAfterTransport{base}
	cfg.HTTPClient = &wrapped
	return &OpenAI{c: openai.NewClientWithConfig(cfg), opts: o}, nil
}

// Model implements Writer.
func (o *OpenAI) Model() string { return o.opts.Model }

// Write implements Writer: it returns the first choice's text, ErrRefused when the endpoint
// filtered it, ErrLength when it was cut at max_tokens, a *TransientError for 429, 5xx,
// timeouts and network failures, ErrAuth for 401 and 403, ErrMalformed for an answer that
// does not decode.
func (o *OpenAI) Write(ctx context.Context, p Prompt) (string, error) {
	var retryAfter time.Duration
	ctx = context.WithValue(ctx, retryAfterKey{}, &retryAfter)
	resp, err := o.c.CreateChatCompletion(ctx, openai.ChatCompletionRequest{
		Model: o.opts.Model,
		//lint:ignore SA1019 the field compatible servers read
		MaxTokens:   o.opts.MaxTokens,
		Temperature: 0,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: p.System},
			{Role: openai.ChatMessageRoleUser, Content: p.User},
		},
	})
	if err != nil {
		return "", classify(err, retryAfter)
	}
	if len(resp.Choices) == 0 {
		return "", fmt.Errorf("%w: no choices", ErrMalformed)
	}
	ch := resp.Choices[0]
	switch ch.FinishReason {
	case openai.FinishReasonContentFilter:
		return "", fmt.Errorf("%w: content filter", ErrRefused)
	case openai.FinishReasonLength:
		return "", fmt.Errorf("%w: cut at max_tokens", ErrLength)
	}
	if ch.Message.Refusal != "" {
		return "", fmt.Errorf("%w: %.80q", ErrRefused, ch.Message.Refusal)
	}
	return ch.Message.Content, nil
}

// classify maps a go-openai error to the job's error classes.
func classify(err error, retryAfter time.Duration) error {
	status := 0
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(err, &apiErr):
		status = apiErr.HTTPStatusCode
	case errors.As(err, &reqErr):
		status = reqErr.HTTPStatusCode
	}
	switch {
	case status == http.StatusTooManyRequests || status >= 500:
		return &TransientError{Status: status, RetryAfter: retryAfter, Err: err}
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return fmt.Errorf("%w: %v", ErrAuth, err)
	case status != 0:
		return fmt.Errorf("HTTP %d: %w", status, err)
	case errors.Is(err, context.DeadlineExceeded):
		return &TransientError{Err: err}
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return &TransientError{Err: err}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.As(err, &syn) || errors.As(err, &typ) {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return err
}

// retryAfterKey carries, in a request's context, where to record its answer's Retry-After.
type retryAfterKey struct{}

// retryAfterTransport records the Retry-After header of each answer (go-openai's errors do
// not carry headers) where the request's context says.
type retryAfterTransport struct{ base http.RoundTripper }

func (t retryAfterTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	if resp != nil {
		if dst, ok := r.Context().Value(retryAfterKey{}).(*time.Duration); ok {
			*dst = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		}
	}
	return resp, err
}

// parseRetryAfter reads delay-seconds or an HTTP date; 0 when absent or unreadable.
func parseRetryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(h, 64); err == nil {
		if s <= 0 || s > 3600 {
			return 0
		}
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
