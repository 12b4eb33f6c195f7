package service

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"sync"

	"github.com/recd/recd"
	"github.com/recd/recd/store"
)

// This file is the deletion path: a user's delete erases them from the store and from every
// part that keeps records about users, through one list of forgetters.

// userForgetter is a part that keeps records about users. Every such part registers one with
// the deleter (deleter.register, while the service is assembled), so a user's delete reaches
// it: histories, sessions, counters, caches, the impression ledger, and whatever per-user
// records later features keep.
type userForgetter interface {
	// forgetUser erases everything the part holds about e.user and reports whether it held
	// anything. It must be idempotent: a second call finds nothing and changes nothing.
	forgetUser(ctx context.Context, e *erasure) (held bool)
}

// erasure is one user's deletion as the forgetters see it.
type erasure struct {
	user string
	// events are the user's events the store held just before this replica deleted them
	// (nil when the delete came through another replica, or when no forgetter needs them):
	// for what only the events name (the shared trending counter, anonymous sessions).
	events []recd.Event
	// more are anonymous sessions of the user a forgetter knew of beyond the events (the
	// live history's), for the forgetters after it.
	more []string
}

// sessions returns the anonymous session ids the erasure's events name, and those added.
func (e *erasure) sessions() []string {
	out := slices.Clone(e.more)
	for n := range e.events {
		if sid := e.events[n].SessionID; sid != "" && !slices.Contains(out, sid) {
			out = append(out, sid)
		}
	}
	return out
}

// addSessions adds anonymous sessions of the user.
func (e *erasure) addSessions(ids []string) {
	for _, sid := range ids {
		if !slices.Contains(e.more, sid) {
			e.more = append(e.more, sid)
		}
	}
}

// userGate orders a user's deletion against everything that writes about them: an event
// batch holds its users' gates shared from before its store commit until it is applied to
// the live state (and shared in Redis), a recommendation request or a precomputation holds
// its user's gate shared while it may fill the per-user caches, and a deletion holds the
// gate exclusively from before its store delete until every forgetter has run. Users map
// onto a fixed set of stripes. Safe for concurrent use; the zero value is ready.
type userGate struct {
	stripes [256]sync.RWMutex
}

func (g *userGate) stripe(user string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(user))
	return int(h.Sum32() % uint32(len(g.stripes)))
}

// lock takes user's gate exclusively and returns its release.
func (g *userGate) lock(user string) func() {
	m := &g.stripes[g.stripe(user)]
	m.Lock()
	return m.Unlock
}

// rlock takes the gates of the users (duplicates allowed) shared, in stripe order so that
// batches naming several users never deadlock, and returns their release. The caller must
// not already hold any of them.
func (g *userGate) rlock(users ...string) func() {
	idx := make([]int, 0, len(users))
	for _, u := range users {
		idx = append(idx, g.stripe(u))
	}
	return g.rlockStripes(idx)
}

// rlockEvents is rlock for the users a batch of events names.
func (g *userGate) rlockEvents(events []recd.Event) func() {
	idx := make([]int, 0, len(events))
	for n := range events {
		idx = append(idx, g.stripe(events[n].UserID))
	}
	return g.rlockStripes(idx)
}

func (g *userGate) rlockStripes(idx []int) func() {
	slices.Sort(idx)
	idx = slices.Compact(idx)
	for _, i := range idx {
		g.stripes[i].RLock()
	}
	return func() {
		for _, i := range slices.Backward(idx) {
			g.stripes[i].RUnlock()
		}
	}
}

// deleter deletes users: from the store, then from every registered forgetter, under the
// user's gate and the follower's pass lock. It owns the forgetter list, which is fixed once
// the service is assembled (register is not safe for concurrent use; deleteUser and
// forgetFollowed are).
type deleter struct {
	st   store.Store
	gate *userGate
	// pass, when set, takes the follower's pass lock and returns its release: a follower pass
	// that read the user's events before their delete must not apply them after it.
	pass func() func()
	// withEvents says a forgetter needs the user's events (the shared trending counter):
	// they are read from the store before the delete.
	withEvents bool
	forgetters []userForgetter
}

// register adds a part's forgetter to the deletion path.
func (d *deleter) register(f userForgetter) { d.forgetters = append(d.forgetters, f) }

// forget runs every forgetter and reports whether any held the user.
func (d *deleter) forget(ctx context.Context, e *erasure) bool {
	held := false
	for _, f := range d.forgetters {
		held = f.forgetUser(ctx, e) || held
	}
	return held
}

// deleteUser deletes a user everywhere (see Service.DeleteUser). It answers ErrNotFound only
// when neither the store nor any forgetter held the user.
func (d *deleter) deleteUser(ctx context.Context, id string) error {
	if d.pass != nil {
		defer d.pass()()
	}
	defer d.gate.lock(id)()
	var evs []recd.Event
	if d.withEvents {
		var err error
		if evs, err = d.userEvents(ctx, id); err != nil {
			return err
		}
	}
	err := d.st.DeleteUser(ctx, id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	// Once the store has deleted the user, the erasure runs to the end whatever the caller.
	if held := d.forget(context.WithoutCancel(ctx), &erasure{user: id, events: evs}); held || err == nil {
		return nil
	}
	return err
}

// forgetFollowed erases a user another replica deleted (the follower found the delete in the
// store's change feed) and reports whether this replica held anything of them. The caller
// holds the follower's pass lock.
func (d *deleter) forgetFollowed(ctx context.Context, id string, reload func() error) (bool, error) {
	defer d.gate.lock(id)()
	if !d.forget(ctx, &erasure{user: id}) {
		return false, nil
	}
	return true, reload()
}

// userEvents reads every event the store holds for a user.
func (d *deleter) userEvents(ctx context.Context, id string) ([]recd.Event, error) {
	var out []recd.Event
	cursor := ""
	for {
		evs, next, err := d.st.UserEvents(ctx, id, cursor, 1000)
		if err != nil {
			return nil, fmt.Errorf("read events of %s: %w", id, err)
		}
		out = append(out, evs...)
		if cursor = next; cursor == "" {
			return out, nil
		}
	}
}
