package query

import (
	"context"
	"errors"
	"time"
)

// Parser turns request text into a structured query and names itself ("builtin", "llm").
type Parser interface {
	Parse(ctx context.Context, text string) (Query, string, error)
}

// Builtin is the rule-based parser as a Parser. It never fails. Safe for concurrent use.
type Builtin struct {
	Vocab VocabularySource // nil: an empty vocabulary
}

var _ Parser = Builtin{}

// Parse runs the package-level Parse on the current vocabulary; its name is "builtin".
func (b Builtin) Parse(_ context.Context, text string) (Query, string, error) {
	var v *Vocabulary
	if b.Vocab != nil {
		v = b.Vocab.Vocabulary()
	}
	return Parse(text, v), "builtin", nil
}

// Fallback reasons reported by FallbackParser.
const (
	FallbackNone     = ""               // the LLM answered
	FallbackDisabled = "llm_disabled"   // no LLM configured
	FallbackTimeout  = "llm_timeout"    // the LLM did not answer within the timeout
	FallbackRefused  = "llm_refused"    // the model refused or gave no structured answer
	FallbackInvalid  = "llm_invalid"    // the answer was not the JSON the schema asks for
	FallbackError    = "llm_error"      // transport or HTTP error
	FallbackCanceled = "request_closed" // the caller's context ended first
)

// DefaultLLMBudget is FallbackParser's default time for the LLM.
const DefaultLLMBudget = 2 * time.Second

// Result is one parse by FallbackParser.
type Result struct {
	Query  Query
	Parser string // "llm" or "builtin"
	// Fallback says why the built-in parser answered (one of the Fallback constants);
	// empty when the LLM answered.
	Fallback string
	// Err is the LLM's error when it failed, for logs; the Result is usable regardless.
	Err error
}

// FallbackParser asks LLM within Timeout and answers through Builtin when the LLM is absent,
// slow, failing, refusing or invalid, so a request is always answered within about Timeout.
// Safe for concurrent use if its parsers are.
type FallbackParser struct {
	LLM     Parser        // nil: always the built-in parser
	Builtin Parser        // required
	Timeout time.Duration // budget for the LLM; 0 means DefaultLLMBudget
}

var _ Parser = (*FallbackParser)(nil)

// Parse returns the query and the name of the parser that answered; the error is the
// built-in parser's, never the LLM's.
func (f *FallbackParser) Parse(ctx context.Context, text string) (Query, string, error) {
	r, err := f.ParseResult(ctx, text)
	return r.Query, r.Parser, err
}

// ParseResult is Parse with the fallback reason and the LLM's error.
func (f *FallbackParser) ParseResult(ctx context.Context, text string) (Result, error) {
	if lp, ok := f.LLM.(*LLMParser); f.LLM == nil || ok && lp == nil {
		return f.builtin(ctx, text, FallbackDisabled, nil)
	}
	budget := f.Timeout
	if budget <= 0 {
		budget = DefaultLLMBudget
	}
	lctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	type answer struct {
		q   Query
		err error
	}
	ch := make(chan answer, 1) // buffered: a late LLM answer never blocks its goroutine
	go func() {
		q, _, err := f.LLM.Parse(lctx, text)
		ch <- answer{q, err}
	}()
	var a answer
	select {
	case a = <-ch:
	case <-lctx.Done():
		a.err = lctx.Err()
	}
	if a.err == nil {
		return Result{Query: a.q, Parser: "llm"}, nil
	}
	return f.builtin(ctx, text, reason(ctx, a.err), a.err)
}

func (f *FallbackParser) builtin(ctx context.Context, text, why string, llmErr error) (Result, error) {
	if f.Builtin == nil {
		return Result{Fallback: why, Err: llmErr}, errors.New("query: no built-in parser configured")
	}
	q, name, err := f.Builtin.Parse(ctx, text)
	return Result{Query: q, Parser: name, Fallback: why, Err: llmErr}, err
}

func reason(ctx context.Context, err error) string {
	switch {
	case ctx.Err() != nil:
		return FallbackCanceled
	case errors.Is(err, context.DeadlineExceeded):
		return FallbackTimeout
	case errors.Is(err, ErrRefused):
		return FallbackRefused
	case errors.Is(err, ErrInvalidOutput):
		return FallbackInvalid
	}
	return FallbackError
}
