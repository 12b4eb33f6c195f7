package service

import (
	"context"

	"github.com/recd/recd"
	"github.com/recd/recd/redisstate"
)

// This file is redisState's write side: each write is applied in process first, then shared.

func (rs *redisState) putItems(ctx context.Context, items []recd.Item) bool {
	replaced := rs.memState.putItems(ctx, items)
	rs.shareCatalog(ctx, batchID(items), replaced)
	return replaced
}

func (rs *redisState) deleteItem(ctx context.Context, id string) {
	rs.memState.deleteItem(ctx, id)
	rs.shareCatalog(ctx, id, true)
}

func (rs *redisState) addEvents(ctx context.Context, stored []recd.Event) {
	rs.memState.addEvents(ctx, stored)
	rs.shareEvents(ctx, stored)
}

func (rs *redisState) forgetUser(ctx context.Context, id string) {
	rs.memState.forgetUser(ctx, id)
	rs.shareForget(ctx, id)
}

// shareEvents records stored events in Redis (recent actions, generations, trending, the
// active set, notifications). A failure leaves the write durable in the store; the generation
// bumps are kept and made when Redis is back, so no replica serves a list older than them.
func (rs *redisState) shareEvents(ctx context.Context, stored []recd.Event) {
	if len(stored) == 0 {
		return
	}
	evs := make([]redisstate.Event, len(stored))
	for i, e := range stored {
		evs[i] = redisstate.Event{UserID: e.UserID, SessionID: e.SessionID, ItemID: e.ItemID, Type: e.Type,
			Time: e.Timestamp, Weight: rs.weights.Of(e), Seq: e.Seq}
	}
	if err := rs.st.RecordEvents(ctx, rs.id, evs); err != nil {
		rs.failed("record events", err)
		rs.mu.Lock()
		for _, e := range stored {
			if len(rs.pending) < maxPending {
				rs.pending[e.UserID] = max(rs.pending[e.UserID], e.Seq)
			}
		}
		rs.mu.Unlock()
		return
	}
	rs.flushPending(ctx)
}

// shareForget drops a deleted user's shared state.
func (rs *redisState) shareForget(ctx context.Context, user string) {
	if err := rs.st.ForgetUser(ctx, rs.id, user); err != nil {
		rs.failed("forget user", err)
		rs.mu.Lock()
		rs.pending[user] = max(rs.pending[user], 0)
		rs.mu.Unlock()
	}
}

// shareCatalog tells the other replicas that items changed (id "" for a batch). When items
// were replaced or deleted (invalidates), it also bumps the catalog generation, so that no
// precomputed list from before is served; new items alone leave those lists valid.
func (rs *redisState) shareCatalog(ctx context.Context, id string, invalidates bool) {
	if err := rs.st.CatalogChanged(ctx, rs.id, id, invalidates); err != nil {
		rs.failed("catalog changed", err)
		rs.mu.Lock()
		rs.catPending = rs.catPending || invalidates
		rs.mu.Unlock()
	}
}

// flushPending makes the generation and catalog bumps Redis missed.
func (rs *redisState) flushPending(ctx context.Context) {
	rs.mu.Lock()
	pend, cat := rs.pending, rs.catPending
	if len(pend) == 0 && !cat {
		rs.mu.Unlock()
		return
	}
	rs.pending, rs.catPending = map[string]int64{}, false
	rs.mu.Unlock()
	err := rs.st.BumpUsers(ctx, pend)
	if err == nil && cat {
		err = rs.st.CatalogChanged(ctx, rs.id, "", true)
	}
	if err != nil {
		rs.mu.Lock()
		for u, q := range pend {
			if len(rs.pending) < maxPending {
				rs.pending[u] = max(rs.pending[u], q)
			}
		}
		rs.catPending = rs.catPending || cat
		rs.mu.Unlock()
	}
}

// shareImpressions queues a served list's items for the shared exposure counter.
func (rs *redisState) shareImpressions(items []recd.Recommendation) {
	rs.mu.Lock()
	for _, it := range items {
		rs.imp = append(rs.imp, it.ID)
	}
	rs.mu.Unlock()
}

func (rs *redisState) flushImpressions(ctx context.Context) {
	rs.mu.Lock()
	ids := rs.imp
	rs.imp = nil
	rs.mu.Unlock()
	if err := rs.st.PublishImpressions(ctx, rs.id, ids); err != nil {
		rs.failed("publish impressions", err) // lost: the local counter has them
	}
}
