package query

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Errors of the LLM parser and explainer; FallbackParser reports them as fallback reasons.
var (
	// ErrRefused: the model refused or gave no structured answer.
	ErrRefused = errors.New("llm refused")
	// ErrInvalidOutput: the model's answer is not the JSON the schema asks for.
	ErrInvalidOutput = errors.New("llm output invalid")
)

// Modes of asking for structured output.
const (
	// ModeTools asks through tool calling and retries once with a JSON-schema response_format
	// when the endpoint rejects tools (HTTP 400, 404, 422 or 501).
	ModeTools = "tools"
	// ModeJSONSchema asks through response_format json_schema only.
	ModeJSONSchema = "json_schema"
)

// LLMOptions configure the OpenAI-compatible client of LLMParser and LLMExplainer.
type LLMOptions struct {
	// BaseURL of the API including its version path, e.g. "https://api.openai.com/v1" or
	// "http://localhost:11434/v1". Required.
	BaseURL string
	// Model name sent with each request. Required.
	Model string
	// APIKey sent as a bearer token; empty for local servers that need none.
	APIKey string
	// Timeout bounds one request, in addition to the caller's context. Default 3s.
	Timeout time.Duration
	// Mode is ModeTools (default) or ModeJSONSchema.
	Mode string
	// MaxTokens, when positive, is sent as max_tokens to bound the answer. Default 0 (not
	// sent): some endpoints (OpenAI reasoning models) reject max_tokens, and Timeout bounds
	// the wait anyway.
	MaxTokens int
	// HTTPClient overrides the HTTP client; nil uses a new one.
	HTTPClient *http.Client
}

// DefaultLLMOptions returns the defaults; BaseURL and Model still have to be set.
func DefaultLLMOptions() LLMOptions {
	return LLMOptions{Timeout: 3 * time.Second, Mode: ModeTools}
}

// Validate reports the first option that is unusable.
func (o LLMOptions) Validate() error {
	switch {
	case o.BaseURL == "":
		return fmt.Errorf("llm options: base URL is required")
	case o.Model == "":
		return fmt.Errorf("llm options: model is required")
	case o.Timeout <= 0:
		return fmt.Errorf("llm options: timeout must be positive")
	case o.Mode != ModeTools && o.Mode != ModeJSONSchema:
		return fmt.Errorf("llm options: mode must be %q or %q", ModeTools, ModeJSONSchema)
	case o.MaxTokens < 0:
		return fmt.Errorf("llm options: max tokens must not be negative")
	}
	return nil
}

func newClient(o LLMOptions) (*openai.Client, LLMOptions, error) {
	d := DefaultLLMOptions()
	if o.Timeout == 0 {
		o.Timeout = d.Timeout
	}
	if o.Mode == "" {
		o.Mode = d.Mode
	}
	if err := o.Validate(); err != nil {
		return nil, o, err
	}
	cfg := openai.DefaultConfig(o.APIKey)
	cfg.BaseURL = strings.TrimRight(o.BaseURL, "/")
	if o.HTTPClient != nil {
		cfg.HTTPClient = o.HTTPClient
	}
	return openai.NewClientWithConfig(cfg), o, nil
}

// fenceData renders v as JSON between <data> markers. encoding/json escapes '<' and '>',
// so nothing inside can close the fence.
func fenceData(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte("{}")
	}
	return "<data>\n" + string(b) + "\n</data>"
}

// complete sends one chat completion and returns the structured arguments the model gave,
// either as the named tool call's arguments or as JSON message content.
func complete(ctx context.Context, c *openai.Client, o LLMOptions, system, user, fn, fnDesc string,
	schema json.RawMessage) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	req := openai.ChatCompletionRequest{
		Model: o.Model,
		// max_tokens, not max_completion_tokens: most OpenAI-compatible servers (vLLM,
		// Ollama, llama.cpp) read only the older field.
		//lint:ignore SA1019 the field compatible servers read
		MaxTokens:   o.MaxTokens,
		Temperature: 0,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: system},
			{Role: openai.ChatMessageRoleUser, Content: user},
		},
	}
	withSchema := func(r openai.ChatCompletionRequest) openai.ChatCompletionRequest {
		r.ResponseFormat = &openai.ChatCompletionResponseFormat{
			Type:       openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{Name: fn, Description: fnDesc, Schema: schema, Strict: true},
		}
		return r
	}
	var r openai.ChatCompletionRequest
	if o.Mode == ModeJSONSchema {
		r = withSchema(req)
	} else {
		r = req
		r.Tools = []openai.Tool{{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{
			Name: fn, Description: fnDesc, Parameters: schema, Strict: true}}}
		r.ToolChoice = openai.ToolChoice{Type: openai.ToolTypeFunction, Function: openai.ToolFunction{Name: fn}}
	}
	resp, err := c.CreateChatCompletion(ctx, r)
	if err != nil && o.Mode == ModeTools && toolsUnsupported(err) {
		resp, err = c.CreateChatCompletion(ctx, withSchema(req))
	}
	if err != nil {
		return "", fmt.Errorf("chat completion: %w", err)
	}
	if len(resp.Choices) == 0 {
		return "", fmt.Errorf("%w: no choices", ErrInvalidOutput)
	}
	ch := resp.Choices[0]
	if ch.Message.Refusal != "" || ch.FinishReason == openai.FinishReasonContentFilter {
		return "", fmt.Errorf("%w: %s", ErrRefused, cut(ch.Message.Refusal, 200))
	}
	for _, tc := range ch.Message.ToolCalls {
		if tc.Function.Name == fn {
			return tc.Function.Arguments, nil
		}
	}
	if s := strings.TrimSpace(ch.Message.Content); strings.HasPrefix(s, "{") {
		return s, nil
	}
	return "", fmt.Errorf("%w: no structured answer", ErrRefused)
}

func toolsUnsupported(err error) bool {
	var ae *openai.APIError
	var re *openai.RequestError
	code := 0
	switch {
	case errors.As(err, &ae):
		code = ae.HTTPStatusCode
	case errors.As(err, &re):
		code = re.HTTPStatusCode
	}
	return code == http.StatusBadRequest || code == http.StatusNotFound ||
		code == http.StatusUnprocessableEntity || code == http.StatusNotImplemented
}

// decodeStrict decodes one JSON object into v, rejecting trailing data.
func decodeStrict(s string, v any) error {
	dec := json.NewDecoder(strings.NewReader(s))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidOutput, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: trailing data", ErrInvalidOutput)
	}
	return nil
}
