// Package describe owns the job that has a language model write items' descriptions: it
// selects the items whose description is missing or stale, asks a Writer (an
// OpenAI-compatible chat model, or the deterministic stand-in) with the item's fields fenced
// as data, checks each answer and stores it as the item's generated text as it arrives, so
// an interrupted run continues where it stopped.
package describe

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/recd/recd"
)

// Errors a Writer's answer or call can end with; each is recorded as the item's failure and
// the item is asked again on a later run.
var (
	// ErrRefused: the model declined, or its answer reads as a refusal.
	ErrRefused = errors.New("refused")
	// ErrMalformed: no answer, an empty one, or one that is not plain prose.
	ErrMalformed = errors.New("malformed answer")
	// ErrLength: the answer is shorter or longer than the bounds.
	ErrLength = errors.New("answer length out of bounds")
	// ErrOtherTitle: the answer names a title other than the item's.
	ErrOtherTitle = errors.New("names another title")
	// ErrAuth: the endpoint refused the credentials; the job stops, since every item would fail.
	ErrAuth = errors.New("not authorised by the model endpoint")
)

// TransientError is a failed call worth another try: rate limiting (429), a server error
// (5xx), a timeout or a network failure. RetryAfter is the server's Retry-After, 0 if none.
type TransientError struct {
	Status     int // HTTP status, 0 for a timeout or a network failure
	RetryAfter time.Duration
	Err        error
}

func (e *TransientError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("transient failure (HTTP %d): %v", e.Status, e.Err)
	}
	return fmt.Sprintf("transient failure: %v", e.Err)
}

func (e *TransientError) Unwrap() error { return e.Err }

// Writer writes one item's description from its prompt. Implementations must be safe for
// concurrent use; the job bounds, paces and retries the calls.
type Writer interface {
	Write(ctx context.Context, p Prompt) (string, error)
	// Model names the model, stored with each description.
	Model() string
}

// Catalog is what the job reads and writes: the items (with their generated text) and the
// generated-text write. A store behind the service, or a server through its client.
type Catalog interface {
	ScanItems(ctx context.Context, fn func(recd.Item) error) error
	PutGenerated(ctx context.Context, id string, g recd.Generated) error
}

// Options configure a job. New replaces a zero Concurrency, MinChars, MaxChars,
// InitialBackoff, MaxBackoff or Timeout with DefaultOptions' value; a zero
// RequestsPerSecond, MaxRetries or MinText means none.
type Options struct {
	// Fields are the item fields shown to the model and hashed (recd.DescribeFields; empty:
	// recd.DefaultDescribeFields).
	Fields []string
	// OnlyThin selects only items whose own text is shorter than MinText bytes.
	OnlyThin bool
	MinText  int
	// Concurrency is how many calls are in flight at once. Default 4.
	Concurrency int
	// RequestsPerSecond paces the calls (retries included); 0: no limit. Default 2.
	RequestsPerSecond float64
	// MaxRetries is how many times a transient failure is retried per item. Default 5.
	MaxRetries int
	// InitialBackoff doubles per retry up to MaxBackoff, with jitter; a Retry-After from the
	// server (up to an hour) replaces it and pauses every worker. Defaults 500ms, 30s.
	InitialBackoff, MaxBackoff time.Duration
	// Timeout bounds one call. Default 60s.
	Timeout time.Duration
	// MinChars and MaxChars bound an answer's length in runes. At most 1024, so that a
	// description fits the server's bound in bytes. Defaults 40 and 800.
	MinChars, MaxChars int
	// Seed seeds the backoff jitter.
	Seed uint64
	// Progress, when set, is called after each item (from one goroutine at a time).
	Progress func(Progress)
	// Logger receives a line per failure; nil discards.
	Logger *slog.Logger
}

// DefaultOptions returns the defaults.
func DefaultOptions() Options {
	return Options{MinText: 200, Concurrency: 4, RequestsPerSecond: 2, MaxRetries: 5,
		InitialBackoff: 500 * time.Millisecond, MaxBackoff: 30 * time.Second, Timeout: 60 * time.Second,
		MinChars: 40, MaxChars: 800, Seed: 1}
}

// Validate reports the first bad option, naming it.
func (o Options) Validate() error {
	if _, err := recd.ParseDescribeFields(o.Fields); err != nil {
		return err
	}
	switch {
	case o.MinText < 0:
		return recd.Invalid("min_text", "must be >= 0")
	case o.Concurrency < 1 || o.Concurrency > 256:
		return recd.Invalid("concurrency", "must be in [1, 256]")
	case !(o.RequestsPerSecond >= 0):
		return recd.Invalid("requests_per_second", "must be >= 0")
	case o.MaxRetries < 0 || o.MaxRetries > 100:
		return recd.Invalid("max_retries", "must be in [0, 100]")
	case o.InitialBackoff <= 0 || o.MaxBackoff < o.InitialBackoff:
		return recd.Invalid("initial_backoff", "must be positive and at most max_backoff")
	case o.Timeout <= 0:
		return recd.Invalid("timeout", "must be positive")
	case o.MinChars < 1 || o.MaxChars < o.MinChars || o.MaxChars > 1024:
		return recd.Invalid("max_chars", "needs 1 <= min_chars <= max_chars <= 1024")
	}
	return nil
}
