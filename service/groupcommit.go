package service

import (
	"context"
	"sync"

	"github.com/recd/recd"
	"github.com/recd/recd/store"
)

// maxGroupEvents bounds the events one group commit writes.
const maxGroupEvents = 10000

// groupCommit merges concurrent event writes into one store transaction: a writer that
// arrives while another's transaction runs queues its batch, and when that transaction
// ends the first queued writer commits every batch queued by then in one transaction (up
// to maxGroupEvents events). Under load one commit serves several requests, and each
// request still returns only after the transaction holding its events committed, so an
// acknowledged write is as durable as before. When a merged transaction fails, each batch
// is written again on its own, so one bad batch fails only its own request. Safe for
// concurrent use; the zero value is ready.
type groupCommit struct {
	mu      sync.Mutex
	queue   []*eventWrite
	writing bool
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

	commitGroup(st, group)

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
