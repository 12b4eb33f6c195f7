package service

import (
	"hash/maphash"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/recd/recd/store"
)

// Bounds of the recent lists kept for attribution.
const (
	maxRecentUsers = 100000
	maxRecentLists = 16
)

// recentLists is attribution's shortcut beside the store: the lists this replica served to
// each user within the attribution window (the maxRecentUsers most recently served users,
// their maxRecentLists newest lists each), so that a click on a list the user was just shown
// is attributed without a store read. A miss is not an answer (the list may be older, evicted,
// or served by another replica): the caller then asks the store, which holds every flushed
// list and looks at the user's newest AttributionLists of them. On one replica a hit is the
// list the store gives (TestRecentLists_AgreesWithTheStore; maxRecentLists is below the
// default AttributionLists); with several, a newer list another replica served may win in the
// store only, and a list this replica holds may be past the store's bound when the others
// served more than AttributionLists lists to the user since. Users are
// spread over recentShards shards by the hash of their id, each an LRU of its share of
// maxRecentUsers with its own mutex guarding it, so that lists served to different users
// (every recommendation adds one) rarely wait on each other. Safe for concurrent use.
type recentLists struct {
	window time.Duration
	seed   maphash.Seed
	shards [recentShards]recentShard
}

// recentShards is the number of shards of the recent lists.
const recentShards = 16

// recentShard is the users whose id hashes to it; mu guards users.
type recentShard struct {
	mu    sync.Mutex
	users *lru.LRU[string, []store.Impression]
}

func newRecentLists(window time.Duration) *recentLists {
	c := &recentLists{window: window, seed: maphash.MakeSeed()}
	for i := range c.shards {
		c.shards[i].users, _ = lru.NewLRU[string, []store.Impression](maxRecentUsers/recentShards, nil)
	}
	return c
}

// shard locks and returns user's shard.
func (c *recentLists) shard(user string) *recentShard {
	sh := &c.shards[maphash.String(c.seed, user)%recentShards]
	sh.mu.Lock()
	return sh
}

// add remembers a list served to a user (anonymous lists are not attributed by time).
func (c *recentLists) add(im store.Impression) {
	if im.UserID == "" {
		return
	}
	sh := c.shard(im.UserID)
	defer sh.mu.Unlock()
	// The user's slice never leaves the shard's lock (readers get copies of its lists), so
	// it is compacted in place: the lists out of the window and the oldest beyond
	// maxRecentLists go, and a new backing array is needed only when it grows.
	lists, _ := sh.users.Get(im.UserID)
	cut := im.Time.Add(-c.window)
	n := 0
	for _, l := range lists[max(0, len(lists)-maxRecentLists+1):] {
		if !l.Time.Before(cut) {
			lists[n] = l
			n++
		}
	}
	clear(lists[n:]) // drop what the removed lists refer to
	sh.users.Add(im.UserID, append(lists[:n], im))
}

// latestOf returns the newest list served to user between since and until that showed item.
func (c *recentLists) latestOf(user, item string, since, until time.Time) (store.Impression, bool) {
	sh := c.shard(user)
	defer sh.mu.Unlock()
	lists, _ := sh.users.Peek(user)
	for i := len(lists) - 1; i >= 0; i-- {
		if l := &lists[i]; !l.Time.Before(since) && !l.Time.After(until) && positionOf(l, item) != nil {
			return *l, true
		}
	}
	return store.Impression{}, false
}

// get returns the list with id if it was served to user and is remembered.
func (c *recentLists) get(user, id string) (store.Impression, bool) {
	sh := c.shard(user)
	defer sh.mu.Unlock()
	lists, _ := sh.users.Peek(user)
	for i := range lists {
		if lists[i].ID == id {
			return lists[i], true
		}
	}
	return store.Impression{}, false
}

// forget drops the user's lists and reports whether any was remembered.
func (c *recentLists) forget(user string) bool {
	sh := c.shard(user)
	defer sh.mu.Unlock()
	return sh.users.Remove(user)
}
