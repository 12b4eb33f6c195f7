package store

import "context"

// Pinger is implemented by stores that can report whether their database answers, for
// readiness checks. Ping returns nil when it does and an error wrapping recd.ErrUnavailable
// when it does not. Check for it with a type assertion.
type Pinger interface {
	Ping(ctx context.Context) error
}
