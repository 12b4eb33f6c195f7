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

// forgetUser erases the user in process, then every key of theirs in Redis. It runs on every
// replica that learns of the delete: the one that deleted takes the user's events' trending
// contributions out of the shared counter, the others erase again what a write of theirs
// racing the delete may have put back.
func (rs *redisState) forgetUser(ctx context.Context, e *erasure) bool {
	held := rs.memState.forgetUser(ctx, e)
	er := redisstate.Erasure{User: e.user, Sessions: e.sessions()}
	for _, ev := range e.events {
		er.Events = append(er.Events, redisstate.Event{UserID: ev.UserID, SessionID: ev.SessionID, ItemID: ev.ItemID,
			Type: ev.Type, Time: ev.Timestamp, Weight: rs.weights.Of(ev), Seq: ev.Seq})
	}
	rs.mu.Lock()
	delete(rs.pending, e.user) // a generation bump Redis missed must not bring the user back
	rs.mu.Unlock()
	shared, err := rs.st.Erase(ctx, rs.id, er)
	if err != nil {
		rs.failed("erase user", err)
		rs.mu.Lock()
		rs.erasePending[e.user] = er
		rs.mu.Unlock()
	}
	return held || shared
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

// flushPending makes the erasures, generation and catalog bumps Redis missed.
func (rs *redisState) flushPending(ctx context.Context) {
	rs.flushErasures(ctx)
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

// shareRemovals sends the impressions queued so far, then the counts every other replica's
// exposure counter must take back, so that none counts an impression after its removal.
func (rs *redisState) shareRemovals(ctx context.Context, removed map[string]float64) {
	rs.flushImpressions(ctx)
	if err := rs.st.PublishRemovals(ctx, rs.id, removed); err != nil {
		rs.failed("publish removals", err) // the other replicas' counts fade with the half-life
	}
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

// flushErasures erases the users whose erasure Redis missed.
func (rs *redisState) flushErasures(ctx context.Context) {
	rs.mu.Lock()
	pend := rs.erasePending
	if len(pend) == 0 {
		rs.mu.Unlock()
		return
	}
	rs.erasePending = map[string]redisstate.Erasure{}
	rs.mu.Unlock()
	for u, er := range pend {
		if _, err := rs.st.Erase(ctx, rs.id, er); err != nil {
			rs.mu.Lock()
			if _, again := rs.erasePending[u]; !again {
				rs.erasePending[u] = er
			}
			rs.mu.Unlock()
		}
	}
}
