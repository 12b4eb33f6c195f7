package redisstate

import (
	"context"
	"strings"
)

// Change kinds published on the change channel.
const (
	ChangeEvents = "events" // ID: the user whose events were written (or who was deleted)
	ChangeItems  = "items"  // ID: the item written or deleted, "" for a batch
	ChangeModel  = "model"  // ID: the model version installed
)

// Change is one notification: what changed, and which replica changed it.
type Change struct {
	Kind, ID, Origin string
}

func encodeChange(c Change) string { return c.Kind + "\x1f" + c.Origin + "\x1f" + c.ID }

func decodeChange(v string) (Change, bool) {
	kind, rest, ok := strings.Cut(v, "\x1f")
	if !ok {
		return Change{}, false
	}
	origin, id, ok := strings.Cut(rest, "\x1f")
	return Change{Kind: kind, ID: id, Origin: origin}, ok
}

// Publish sends a change to every subscribed replica (RecordEvents, Erase and
// CatalogChanged publish theirs themselves).
func (s *State) Publish(ctx context.Context, c Change) error {
	ctx, cancel, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	return s.end(s.c.Publish(ctx, s.key("changes"), encodeChange(c)).Err())
}

// Subscribe calls fn for every change published after it has subscribed, until ctx ends;
// ready, when not nil, is closed once the subscription is in place. The client reconnects by
// itself after Redis comes back; changes published while it was away are lost (pub/sub does
// not keep them), so a follower must also catch up by polling. fn runs on Subscribe's
// goroutine, one change at a time.
func (s *State) Subscribe(ctx context.Context, fn func(Change), ready chan<- struct{}) error {
	ps := s.c.Subscribe(ctx, s.key("changes"))
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil {
		if ready != nil {
			close(ready)
		}
		if ctx.Err() != nil {
			return nil
		}
		return s.end(err)
	}
	if ready != nil {
		close(ready)
	}
	ch := ps.Channel()
	for {
		select {
		case <-ctx.Done():
			return nil
		case m, ok := <-ch:
			if !ok {
				return nil
			}
			if c, ok := decodeChange(m.Payload); ok {
				fn(c)
			}
		}
	}
}
