package redisstate

import "context"

// Erasure is a deleted user's shared state, as Erase takes it out of Redis.
type Erasure struct {
	User string
	// Sessions are the anonymous sessions the user's events named: their recent actions go
	// with the user (a session's list does not say whose each action was).
	Sessions []string
	// Events are the user's events whose trending contributions are taken back out: those
	// RecordEvents counted (weight > 0).
	Events []Event
}

// Erase removes every key Redis holds about a user: their recent actions, generation,
// precomputed list and place in the active set, the recent actions of the sessions their
// events named, and their events' trending contributions; then it publishes an "events"
// change naming the user from origin. It reports whether any key of the user existed. A
// user recreated later starts a new generation from the clock, above every earlier one.
func (s *State) Erase(ctx context.Context, origin string, e Erasure) (bool, error) {
	ctx, cancel, err := s.begin(ctx)
	if err != nil {
		return false, err
	}
	defer cancel()
	keys := []string{s.userSessKey(e.User), s.genKey(e.User), s.preKey(e.User)}
	for _, sid := range e.Sessions {
		keys = append(keys, s.anonSessKey(sid))
	}
	p := s.c.Pipeline()
	del := p.Del(ctx, keys...)
	rem := p.ZRem(ctx, s.key("active"), e.User)
	if masses := s.trendMasses(e.Events); len(masses) > 0 {
		untrendScript.Eval(ctx, p, []string{s.key("trending")}, masses...)
	}
	p.Publish(ctx, s.key("changes"), encodeChange(Change{Kind: ChangeEvents, ID: e.User, Origin: origin}))
	if _, err := p.Exec(ctx); err != nil {
		return false, s.end(err)
	}
	s.end(nil)
	return del.Val() > 0 || rem.Val() > 0, nil
}
