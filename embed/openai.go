package embed

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/recd/recd"
	openai "github.com/sashabaranov/go-openai"
	"golang.org/x/time/rate"
)

// OpenAIConfig configures an OpenAIEmbedder. It works with any server that speaks the
// OpenAI /v1/embeddings API: OpenAI, Ollama, vLLM, a llama.cpp server.
type OpenAIConfig struct {
	// BaseURL is the API root including the version, e.g. "https://api.openai.com/v1"
	// or "http://localhost:11434/v1" for Ollama.
	BaseURL string `json:"base_url" yaml:"base_url"`
	// Model is the embedding model name, e.g. "text-embedding-3-small" or "nomic-embed-text".
	Model string `json:"model" yaml:"model"`
	// APIKey is sent as a bearer token; local servers accept an empty one.
	APIKey string `json:"-" yaml:"api_key"`
	// Dimensions asks the model for vectors of this length (text-embedding-3 and later);
	// 0 leaves it to the model. When set, replies of another length are an error.
	Dimensions int `json:"dimensions,omitempty" yaml:"dimensions"`
	// MaxInputChars cuts each text to at most this many characters (runes) before it is
	// sent, so one long description cannot fail a batch on the model's context length;
	// 0 means no limit.
	MaxInputChars int `json:"max_input_chars" yaml:"max_input_chars"`
	// BatchSize is the number of texts per request.
	BatchSize int `json:"batch_size" yaml:"batch_size"`
	// MaxRetries is how many times a request is retried after a 429, a 5xx, a timeout
	// or a network error. Other errors are not retried.
	MaxRetries int `json:"max_retries" yaml:"max_retries"`
	// InitialBackoff and MaxBackoff bound the exponential backoff: before retry r the
	// embedder waits a random time in [b/2, b] with b = min(MaxBackoff, InitialBackoff·2^r).
	InitialBackoff time.Duration `json:"initial_backoff" yaml:"initial_backoff"`
	MaxBackoff     time.Duration `json:"max_backoff" yaml:"max_backoff"`
	// RequestsPerSecond limits the request rate (retries included); 0 means no limit.
	RequestsPerSecond float64 `json:"requests_per_second" yaml:"requests_per_second"`
	// RequestTimeout bounds one request, retries apart.
	RequestTimeout time.Duration `json:"request_timeout" yaml:"request_timeout"`
	// HTTPClient is used for requests when set (tests, proxies); nil uses a default client.
	HTTPClient *http.Client `json:"-" yaml:"-"`
}

// DefaultOpenAIConfig returns OpenAI's endpoint with text-embedding-3-small, batches of
// 64 texts of at most 8,000 characters, 5 retries backing off from 500 ms up to 30 s, no rate limit and 60 s per request.
func DefaultOpenAIConfig() OpenAIConfig {
	return OpenAIConfig{
		BaseURL: "https://api.openai.com/v1", Model: "text-embedding-3-small",
		MaxInputChars: 8000, BatchSize: 64, MaxRetries: 5,
		InitialBackoff: 500 * time.Millisecond, MaxBackoff: 30 * time.Second,
		RequestTimeout: 60 * time.Second,
	}
}

// Validate reports the first bad field.
func (c OpenAIConfig) Validate() error {
	switch {
	case c.BaseURL == "" || !(strings.HasPrefix(c.BaseURL, "http://") || strings.HasPrefix(c.BaseURL, "https://")):
		return recd.Invalid("base_url", "must be an http or https URL")
	case strings.TrimSpace(c.Model) == "":
		return recd.Invalid("model", "must not be empty")
	case c.Dimensions < 0:
		return recd.Invalid("dimensions", "must be >= 0")
	case c.MaxInputChars < 0:
		return recd.Invalid("max_input_chars", "must be >= 0")
	case c.BatchSize < 1:
		return recd.Invalid("batch_size", "must be >= 1")
	case c.MaxRetries < 0:
		return recd.Invalid("max_retries", "must be >= 0")
	case c.InitialBackoff < 0 || c.MaxBackoff < c.InitialBackoff:
		return recd.Invalid("max_backoff", "backoffs must be >= 0 with max_backoff >= initial_backoff")
	case c.RequestsPerSecond < 0 || math.IsNaN(c.RequestsPerSecond) || math.IsInf(c.RequestsPerSecond, 0):
		return recd.Invalid("requests_per_second", "must be a finite number >= 0")
	case c.RequestTimeout <= 0:
		return recd.Invalid("request_timeout", "must be > 0")
	}
	return nil
}

// OpenAIEmbedder embeds texts through an OpenAI-compatible API with batching, retries,
// backoff and a rate limit. It is safe for concurrent use; the rate limit is shared.
type OpenAIEmbedder struct {
	cfg     OpenAIConfig
	client  *openai.Client
	limiter *rate.Limiter

	mu  sync.Mutex // guards rng
	rng *rand.Rand
}

// NewOpenAIEmbedder validates cfg and returns an embedder; it does not contact the server.
func NewOpenAIEmbedder(cfg OpenAIConfig) (*OpenAIEmbedder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("openai embedder: %w", err)
	}
	oc := openai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.HTTPClient != nil {
		oc.HTTPClient = cfg.HTTPClient
	} else {
		oc.HTTPClient = &http.Client{}
	}
	limit := rate.Inf
	if cfg.RequestsPerSecond > 0 {
		limit = rate.Limit(cfg.RequestsPerSecond)
	}
	return &OpenAIEmbedder{
		cfg: cfg, client: openai.NewClientWithConfig(oc), limiter: rate.NewLimiter(limit, 1),
		rng: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0x5eed)),
	}, nil
}

// Embed returns one vector per text, in order, sending BatchSize texts per request.
// An empty text is an error (the API rejects them); so is a reply that does not hold
// exactly one finite vector per text, all of one length.
func (e *OpenAIEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	for i, s := range texts {
		if strings.TrimSpace(s) == "" {
			return nil, fmt.Errorf("embed: %w", recd.Invalid(fmt.Sprintf("texts[%d]", i), "empty text"))
		}
	}
	if e.cfg.MaxInputChars > 0 {
		var cut []string // a copy, made on the first long text: the caller's slice is kept
		for i, s := range texts {
			if len(s) > e.cfg.MaxInputChars && utf8.RuneCountInString(s) > e.cfg.MaxInputChars {
				if cut == nil {
					cut = slices.Clone(texts)
				}
				cut[i] = truncateRunes(s, e.cfg.MaxInputChars)
			}
		}
		if cut != nil {
			texts = cut
		}
	}
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += e.cfg.BatchSize {
		batch := texts[start:min(start+e.cfg.BatchSize, len(texts))]
		vecs, err := e.embedBatch(ctx, batch)
		if err != nil {
			return nil, fmt.Errorf("embed texts %d..%d: %w", start, start+len(batch)-1, err)
		}
		if len(out) > 0 && len(vecs[0]) != len(out[0]) {
			return nil, fmt.Errorf("embed texts %d..%d: %w: vectors of length %d after %d",
				start, start+len(batch)-1, ErrBadResponse, len(vecs[0]), len(out[0]))
		}
		out = append(out, vecs...)
	}
	return out, nil
}

// EmbedItems embeds ItemText of each item in batches of batch texts (<= 0: the config's
// BatchSize) and returns the vectors by item id. Items whose text is empty are left out.
// progress, when not nil, is called after each batch with the items done so far and the
// total to embed.
func (e *OpenAIEmbedder) EmbedItems(ctx context.Context, items []recd.Item, batch int,
	progress func(done, total int)) (map[string][]float32, error) {
	if batch <= 0 {
		batch = e.cfg.BatchSize
	}
	var ids, texts []string
	for _, it := range items {
		if s := ItemText(it); s != "" {
			ids, texts = append(ids, it.ID), append(texts, s)
		}
	}
	out := make(map[string][]float32, len(ids))
	dim := -1
	for start := 0; start < len(texts); start += batch {
		end := min(start+batch, len(texts))
		vecs, err := e.Embed(ctx, texts[start:end])
		if err != nil {
			return nil, fmt.Errorf("embed items %s..%s: %w", ids[start], ids[end-1], err)
		}
		if dim >= 0 && len(vecs[0]) != dim {
			return nil, fmt.Errorf("embed items %s..%s: %w: vectors of length %d after %d",
				ids[start], ids[end-1], ErrBadResponse, len(vecs[0]), dim)
		}
		dim = len(vecs[0])
		for i, v := range vecs {
			out[ids[start+i]] = v
		}
		if progress != nil {
			progress(end, len(texts))
		}
	}
	return out, nil
}

// truncateRunes returns the first n runes of s.
func truncateRunes(s string, n int) string {
	i := 0
	for p := range s {
		if i == n {
			return s[:p]
		}
		i++
	}
	return s
}

// ErrBadResponse is returned when the server's reply does not match the request.
var ErrBadResponse = errors.New("bad embedding response")

// embedBatch sends one request, retrying transient failures.
func (e *OpenAIEmbedder) embedBatch(ctx context.Context, texts []string) ([][]float32, error) {
	req := openai.EmbeddingRequestStrings{
		Input: texts, Model: openai.EmbeddingModel(e.cfg.Model),
		EncodingFormat: openai.EmbeddingEncodingFormatFloat, Dimensions: e.cfg.Dimensions,
	}
	for attempt := 0; ; attempt++ {
		if err := e.limiter.Wait(ctx); err != nil {
			return nil, err
		}
		actx, cancel := context.WithTimeout(ctx, e.cfg.RequestTimeout)
		res, err := e.client.CreateEmbeddings(actx, req)
		cancel()
		if err == nil {
			return e.check(res, len(texts))
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !retryable(err) {
			return nil, err
		}
		if attempt >= e.cfg.MaxRetries {
			return nil, fmt.Errorf("after %d attempts: %w", attempt+1, err)
		}
		t := time.NewTimer(e.backoff(attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// check orders the reply's vectors by index and validates them.
func (e *OpenAIEmbedder) check(res openai.EmbeddingResponse, n int) ([][]float32, error) {
	if n == 0 {
		return nil, nil
	}
	if len(res.Data) != n {
		return nil, fmt.Errorf("%w: %d vectors for %d texts", ErrBadResponse, len(res.Data), n)
	}
	out := make([][]float32, n)
	for _, d := range res.Data {
		switch {
		case d.Index < 0 || d.Index >= n || out[d.Index] != nil:
			return nil, fmt.Errorf("%w: index %d out of range or repeated", ErrBadResponse, d.Index)
		case len(d.Embedding) == 0:
			return nil, fmt.Errorf("%w: empty vector at index %d", ErrBadResponse, d.Index)
		case e.cfg.Dimensions > 0 && len(d.Embedding) != e.cfg.Dimensions:
			return nil, fmt.Errorf("%w: vector of length %d, want %d", ErrBadResponse, len(d.Embedding), e.cfg.Dimensions)
		}
		for _, x := range d.Embedding {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return nil, fmt.Errorf("%w: NaN or Inf at index %d", ErrBadResponse, d.Index)
			}
		}
		out[d.Index] = d.Embedding
	}
	for _, v := range out[1:] {
		if len(v) != len(out[0]) {
			return nil, fmt.Errorf("%w: vectors of lengths %d and %d", ErrBadResponse, len(out[0]), len(v))
		}
	}
	return out, nil
}
