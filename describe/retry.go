package describe

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// call sends one prompt to the writer, paced by the rate limiter and the shared pause, each
// try under Timeout, and retries transient failures up to MaxRetries times with exponential
// backoff and jitter. A Retry-After (at most an hour, see parseRetryAfter) replaces
// the backoff and pauses every worker.
func (j *Job) call(ctx context.Context, p Prompt) (string, error) {
	for attempt := 0; ; attempt++ {
		if err := j.wait(ctx); err != nil {
			return "", err
		}
		j.requests.Add(1)
		tctx, cancel := context.WithTimeout(ctx, j.opts.Timeout)
		answer, err := j.w.Write(tctx, p)
		timedOut := tctx.Err() != nil && ctx.Err() == nil
		cancel()
		if err == nil {
			return answer, nil
		}
		if ctx.Err() != nil {
			return "", context.Cause(ctx)
		}
		var te *TransientError
		if !errors.As(err, &te) {
			if !timedOut {
				return "", err
			}
			te = &TransientError{Err: fmt.Errorf("no answer within %s", j.opts.Timeout)}
		}
		if attempt >= j.opts.MaxRetries {
			return "", fmt.Errorf("gave up after %d tries: %w", attempt+1, te)
		}
		wait := j.backoff(attempt)
		if te.RetryAfter > 0 {
			wait = te.RetryAfter
			j.pause(wait)
		}
		if err := sleep(ctx, wait); err != nil {
			return "", err
		}
	}
}

// wait blocks until the shared pause is over and the rate limiter lets a call through.
func (j *Job) wait(ctx context.Context) error {
	if d := time.Until(time.Unix(0, j.pauseUntil.Load())); d > 0 {
		if err := sleep(ctx, d); err != nil {
			return err
		}
	}
	return j.lim.Wait(ctx)
}

// pause holds every worker's next call for d from now (never shortening a longer pause).
func (j *Job) pause(d time.Duration) {
	until := time.Now().Add(d).UnixNano()
	for {
		cur := j.pauseUntil.Load()
		if cur >= until || j.pauseUntil.CompareAndSwap(cur, until) {
			return
		}
	}
}

// backoff returns a random wait in [b/2, b] with b = min(MaxBackoff, InitialBackoff·2^attempt).
func (j *Job) backoff(attempt int) time.Duration {
	b := j.opts.InitialBackoff << min(attempt, 30)
	if b > j.opts.MaxBackoff || b < j.opts.InitialBackoff {
		b = j.opts.MaxBackoff
	}
	j.mu.Lock()
	jit := j.rng.Int64N(int64(b/2) + 1)
	j.mu.Unlock()
	return b/2 + time.Duration(jit)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
