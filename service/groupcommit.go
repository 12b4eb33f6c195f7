package service

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/store"
)

// maxGroupEvents bounds the events one group commit writes.
const maxGroupEvents = 10000

// Bounds of what waits for the group commit: the writes (requests) and their events queued or
// being committed. A write beyond either is refused with ErrUnavailable (503), except the
// first, which is always admitted so that one batch of any allowed size can be written.
const (
	maxWaitingWrites = 2048
	maxWaitingEvents = 4 * maxGroupEvents
)

// errCommitQueueFull refuses a write when the group commit's queue is at its bounds.
var errCommitQueueFull = fmt.Errorf("%w: the event write queue is full", recd.ErrUnavailable)

type slotKey struct{}

// WithSlotRelease returns ctx carrying release, the function that gives back the request's
// concurrency slot (the HTTP layer's write class). An event write calls it once its batch is
// admitted to the group commit's queue, whose own bounds (maxWaitingWrites, maxWaitingEvents)
// then stand for the slot: a write waiting for its commit costs a goroutine and its batch,
// not CPU, and holding a slot through a slow commit would refuse writes the next commit
// could carry. release must be safe to call more than once.
func WithSlotRelease(ctx context.Context, release func()) context.Context {
	return context.WithValue(ctx, slotKey{}, release)
}

// releaseSlot gives back ctx's slot, if it carries one.
func releaseSlot(ctx context.Context) {
	if release, ok := ctx.Value(slotKey{}).(func()); ok {
		release()
	}
}

// groupCommit merges concurrent event writes into one store transaction: a writer that
// arrives while another's transaction runs queues its batch, and when that transaction
// ends the first queued writer commits every batch queued by then in one transaction (up
// to maxGroupEvents events). Under load one commit serves several requests, and each
// request still returns only after the transaction holding its events committed, so an
// acknowledged write is as durable as before. A write admitted to the queue gives back its
// request's concurrency slot (see WithSlotRelease); the queue's own bounds refuse writes
// beyond them with ErrUnavailable. When a merged transaction fails, each batch
// is written again on its own, so one bad batch fails only its own request. Safe for
// concurrent use; the zero value is ready.
type groupCommit struct {
	metrics *Metrics // nil: none

	mu      sync.Mutex // guards the fields below
	queue   []*eventWrite
	writing bool
	// waiting and events count the writes admitted and not yet answered, and their events.
	waiting, events int
}

type eventWrite struct {
	ctx    context.Context
	events []recd.Event
	stored []recd.Event
	err    error
	lead   bool          // set before done is closed: this writer commits the next group
	done   chan struct{} // closed when stored and err are set, or lead
}

// add stores events through st, merged with the batches of concurrent callers.
func (g *groupCommit) add(ctx context.Context, st store.Store, events []recd.Event) ([]recd.Event, error) {
	w := &eventWrite{ctx: ctx, events: events, done: make(chan struct{})}
	g.mu.Lock()
	if g.waiting > 0 && (g.waiting >= maxWaitingWrites || g.events+len(events) > maxWaitingEvents) {
		g.mu.Unlock()
		return nil, errCommitQueueFull
	}
	g.waiting++
	g.events += len(events)
	defer g.done(len(events))
	releaseSlot(ctx)
	if g.writing {
		g.queue = append(g.queue, w)
		g.mu.Unlock()
		<-w.done
		if !w.lead {
			return w.stored, w.err
		}
		g.mu.Lock()
	} else {
		g.writing = true
		g.queue = append(g.queue, w)
	}
	// This writer leads: it commits the queued batches (its own first among them), then
	// hands the lead to the first writer queued meanwhile, so that no writer serves others
	// for long.
	n, k := 0, 0
	for k < len(g.queue) && (k == 0 || n+len(g.queue[k].events) <= maxGroupEvents) {
		n += len(g.queue[k].events)
		k++
	}
	group := g.queue[:k:k]
	g.queue = append([]*eventWrite(nil), g.queue[k:]...)
	g.mu.Unlock()

	start := time.Now()
	commitGroup(st, group)
	if g.metrics != nil {
		g.metrics.GroupCommitSeconds.Observe(time.Since(start).Seconds())
		g.metrics.GroupCommitBatches.Observe(float64(len(group)))
	}

	g.mu.Lock()
	if len(g.queue) > 0 {
		next := g.queue[0]
		next.lead = true
		close(next.done)
	} else {
		g.writing = false
	}
	g.mu.Unlock()
	for _, x := range group {
		if x != w {
			close(x.done)
		}
	}
	return w.stored, w.err
}

// done counts a write of n events out of the waiting ones.
func (g *groupCommit) done(n int) {
	g.mu.Lock()
	g.waiting--
	g.events -= n
	g.mu.Unlock()
}

// commitGroup writes the group's batches in one transaction, or each on its own when that
// fails, and sets every write's result.
func commitGroup(st store.Store, group []*eventWrite) {
	if len(group) == 1 {
		group[0].stored, group[0].err = st.AddEvents(group[0].ctx, group[0].events)
		return
	}
	var all []recd.Event
	for _, x := range group {
		all = append(all, x.events...)
	}
	// One transaction for everyone: a single caller's cancellation must not fail the others.
	stored, err := st.AddEvents(context.WithoutCancel(group[0].ctx), all)
	if err != nil {
		for _, x := range group {
			x.stored, x.err = st.AddEvents(x.ctx, x.events)
		}
		return
	}
	off := 0
	for _, x := range group {
		x.stored = stored[off : off+len(x.events) : off+len(x.events)]
		off += len(x.events)
	}
}
