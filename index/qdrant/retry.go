package qdrant

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
)

// retryable reports whether a failed request may succeed if sent again unchanged: the server
// was unreachable or overloaded (ResourceExhausted, which the go-client turns into a
// QdrantResourceExhaustedError when the server says when to retry), aborted the operation,
// or the attempt timed out. Every request this package sends
// is idempotent (upserts and payload overwrites by id, deletes by id, reads).
func retryable(err error) bool {
	var rl *qdrant.QdrantResourceExhaustedError
	if errors.As(err, &rl) {
		return true
	}
	switch status.Code(err) {
	case codes.Unavailable, codes.ResourceExhausted, codes.Aborted, codes.DeadlineExceeded:
		return true
	}
	return false
}

// do runs call with a per-attempt timeout, retrying retryable failures with exponential
// backoff and jitter. Failures the retries could not cure wrap recd.ErrUnavailable; a
// missing collection wraps index.ErrUnknownSpace; others are returned with op as context.
func (ix *Index) do(ctx context.Context, op string, call func(ctx context.Context) error) error {
	wait := ix.opts.RetryBackoff
	for attempt := 0; ; attempt++ {
		actx, cancel := ctx, context.CancelFunc(func() {})
		if ix.opts.Timeout > 0 {
			actx, cancel = context.WithTimeout(ctx, ix.opts.Timeout)
		}
		err := call(actx)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("qdrant %s: %w", op, ctx.Err())
		}
		if !retryable(err) {
			return wrapErr(op, err)
		}
		if attempt >= ix.opts.Retries {
			return fmt.Errorf("qdrant %s: %w: %w", op, recd.ErrUnavailable, err)
		}
		d := wait/2 + rand.N(wait/2+1)
		var rl *qdrant.QdrantResourceExhaustedError
		if errors.As(err, &rl) && time.Duration(rl.RetryAfterS)*time.Second > d {
			d = time.Duration(rl.RetryAfterS) * time.Second // the server's rate limiter asks for this
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("qdrant %s: %w", op, ctx.Err())
		case <-t.C:
		}
		wait *= 2
	}
}

func wrapErr(op string, err error) error {
	switch status.Code(err) {
	case codes.NotFound:
		return fmt.Errorf("qdrant %s: %w: %w", op, index.ErrUnknownSpace, err)
	case codes.InvalidArgument:
		return fmt.Errorf("qdrant %s: %w: %w", op, recd.ErrUnprocessable, err)
	}
	return fmt.Errorf("qdrant %s: %w", op, err)
}
