package service

import (
	"context"
	"hash/maphash"
	"math"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/recd/recd"
	"github.com/recd/recd/rank"
)

// impressionLedger remembers, per user, the impressions of the lists this replica served them
// (decayed as the exposure counter decays them), so that a deleted user's impressions can be
// taken back out of the exposure counter. It is bounded: the most recently served
// maxLedgerUsers users, and per user the items whose decayed count is still above 0.05 once
// it holds more than maxLedgerItems. The users are spread over ledgerShards shards by a hash
// of their id, each with its own lock and a share of the bound: every served list records
// here, and one process-wide lock queued whole bursts of requests behind a holder the
// operating system had descheduled. Safe for concurrent use; a nil ledger (exposure off)
// records nothing.
type impressionLedger struct {
	exp      *rank.Exposure
	halfLife float64 // nanoseconds
	// share tells the other replicas' exposure counters what a forgotten user's impressions
	// counted (the live state's shareRemovals).
	share func(ctx context.Context, removed map[string]float64)

	seed   maphash.Seed
	shards [ledgerShards]ledgerShard
}

// ledgerShard is one shard of the ledger's users; mu guards users.
type ledgerShard struct {
	mu    sync.Mutex
	users *lru.LRU[string, map[string]decayed]
}

const ledgerShards = 16

// shard returns the user's shard.
func (l *impressionLedger) shard(user string) *ledgerShard {
	return &l.shards[maphash.String(l.seed, user)%ledgerShards]
}

// decayed is a count that halves every half-life from t (unix nanoseconds).
type decayed struct {
	v float64
	t int64
}

const (
	maxLedgerUsers = 100000
	maxLedgerItems = 1000
)

func newImpressionLedger(exp *rank.Exposure, share func(context.Context, map[string]float64)) *impressionLedger {
	if exp == nil {
		return nil
	}
	l := &impressionLedger{exp: exp, halfLife: float64(exp.HalfLife()), share: share, seed: maphash.MakeSeed()}
	for i := range l.shards {
		l.shards[i].users, _ = lru.NewLRU[string, map[string]decayed](maxLedgerUsers/ledgerShards, nil)
	}
	return l
}

func (l *impressionLedger) at(d decayed, now int64) float64 {
	if now <= d.t {
		return d.v
	}
	return d.v * math.Exp2(-float64(now-d.t)/l.halfLife)
}

// record notes one impression of each item served to user.
func (l *impressionLedger) record(user string, items []recd.Recommendation) {
	if l == nil || user == "" || len(items) == 0 {
		return
	}
	now := time.Now().UnixNano()
	sh := l.shard(user)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	m, ok := sh.users.Get(user)
	if !ok {
		m = make(map[string]decayed, len(items))
		sh.users.Add(user, m)
	}
	for _, it := range items {
		m[it.ID] = decayed{v: l.at(m[it.ID], now) + 1, t: now}
	}
	if len(m) > maxLedgerItems {
		for id, d := range m {
			if l.at(d, now) < 0.05 {
				delete(m, id)
			}
		}
	}
}

// forgetUser takes the user's impressions out of this replica's exposure counter and the
// other replicas' (which counted them from the shared impression log), and forgets them.
func (l *impressionLedger) forgetUser(ctx context.Context, e *erasure) bool {
	if l == nil {
		return false
	}
	sh := l.shard(e.user)
	sh.mu.Lock()
	m, ok := sh.users.Peek(e.user)
	sh.users.Remove(e.user)
	sh.mu.Unlock()
	if !ok {
		return false
	}
	now := time.Now().UnixNano()
	removed := make(map[string]float64, len(m))
	for id, d := range m {
		removed[id] = l.at(d, now)
		l.exp.Remove(id, removed[id])
	}
	if l.share != nil {
		l.share(ctx, removed)
	}
	return true
}
