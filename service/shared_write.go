package service

import (
	"context"

	"github.com/recd/recd"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/redisstate"
)

// shareEvents records stored events in Redis (recent actions, generations, trending, the
// active set, notifications). A failure leaves the write durable in the store; the generation
// bumps are kept and made when Redis is back, so no replica serves a list older than them.
func (s *Service) shareEvents(ctx context.Context, stored []recd.Event) {
	if s.shared == nil || len(stored) == 0 {
		return
	}
	evs := make([]redisstate.Event, len(stored))
	for i, e := range stored {
		evs[i] = redisstate.Event{UserID: e.UserID, SessionID: e.SessionID, ItemID: e.ItemID, Type: e.Type,
			Time: e.Timestamp, Weight: s.opts.Weights.Of(e), Seq: e.Seq}
	}
	if err := s.shared.st.RecordEvents(ctx, s.shared.origin, evs); err != nil {
		s.sharedFailed("record events", err)
		s.shared.mu.Lock()
		for _, e := range stored {
			if len(s.shared.pending) < maxPending {
				s.shared.pending[e.UserID] = max(s.shared.pending[e.UserID], e.Seq)
			}
		}
		s.shared.mu.Unlock()
		return
	}
	s.flushPending(ctx)
}

// shareForget drops a deleted user's shared state.
func (s *Service) shareForget(ctx context.Context, user string) {
	if s.shared == nil {
		return
	}
	if err := s.shared.st.ForgetUser(ctx, s.shared.origin, user); err != nil {
		s.sharedFailed("forget user", err)
		s.shared.mu.Lock()
		s.shared.pending[user] = max(s.shared.pending[user], 0)
		s.shared.mu.Unlock()
	}
}

// shareCatalog tells the other replicas that items changed (id "" for a batch). When items
// were replaced or deleted (invalidates), it also bumps the catalog generation, so that no
// precomputed list from before is served; new items alone leave those lists valid.
func (s *Service) shareCatalog(ctx context.Context, id string, invalidates bool) {
	if s.shared == nil {
		return
	}
	if err := s.shared.st.CatalogChanged(ctx, s.shared.origin, id, invalidates); err != nil {
		s.sharedFailed("catalog changed", err)
		s.shared.mu.Lock()
		s.shared.catPending = s.shared.catPending || invalidates
		s.shared.mu.Unlock()
	}
}

// flushPending makes the generation and catalog bumps Redis missed.
func (s *Service) flushPending(ctx context.Context) {
	sh := s.shared
	sh.mu.Lock()
	pend, cat := sh.pending, sh.catPending
	if len(pend) == 0 && !cat {
		sh.mu.Unlock()
		return
	}
	sh.pending, sh.catPending = map[string]int64{}, false
	sh.mu.Unlock()
	err := sh.st.BumpUsers(ctx, pend)
	if err == nil && cat {
		err = sh.st.CatalogChanged(ctx, sh.origin, "", true)
	}
	if err != nil {
		sh.mu.Lock()
		for u, q := range pend {
			if len(sh.pending) < maxPending {
				sh.pending[u] = max(sh.pending[u], q)
			}
		}
		sh.catPending = sh.catPending || cat
		sh.mu.Unlock()
	}
}

// shareImpressions queues a computed response's items for the shared exposure counter.
func (s *Service) shareImpressions(p *rank.Pipeline, resp *rank.Response) {
	if s.shared == nil || p.Exposure == nil || len(resp.Items) == 0 {
		return
	}
	s.shared.mu.Lock()
	for _, it := range resp.Items {
		s.shared.imp = append(s.shared.imp, it.ID)
	}
	s.shared.mu.Unlock()
}

func (s *Service) flushImpressions(ctx context.Context) {
	sh := s.shared
	sh.mu.Lock()
	ids := sh.imp
	sh.imp = nil
	sh.mu.Unlock()
	if err := sh.st.PublishImpressions(ctx, sh.origin, ids); err != nil {
		s.sharedFailed("publish impressions", err) // lost: the local counter has them
	}
}
