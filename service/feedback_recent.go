package service

import (
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
// list. On one replica a hit is the list the store gives (TestRecentLists_AgreesWithTheStore);
// with several, a newer list another replica served may win in the store only. mu guards users.
// Safe for concurrent use.
type recentLists struct {
	window time.Duration

	mu    sync.Mutex
	users *lru.LRU[string, []store.Impression]
}

func newRecentLists(window time.Duration) *recentLists {
	users, _ := lru.NewLRU[string, []store.Impression](maxRecentUsers, nil)
	return &recentLists{window: window, users: users}
}

// add remembers a list served to a user (anonymous lists are not attributed by time).
func (c *recentLists) add(im store.Impression) {
	if im.UserID == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	lists, _ := c.users.Get(im.UserID)
	cut := im.Time.Add(-c.window)
	keep := lists[:0:0]
	for _, l := range lists[max(0, len(lists)-maxRecentLists+1):] {
		if !l.Time.Before(cut) {
			keep = append(keep, l)
		}
	}
	c.users.Add(im.UserID, append(keep, im))
}

// latestOf returns the newest list served to user between since and until that showed item.
func (c *recentLists) latestOf(user, item string, since, until time.Time) (store.Impression, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	lists, _ := c.users.Peek(user)
	for i := len(lists) - 1; i >= 0; i-- {
		if l := &lists[i]; !l.Time.Before(since) && !l.Time.After(until) && positionOf(l, item) != nil {
			return *l, true
		}
	}
	return store.Impression{}, false
}

// get returns the list with id if it was served to user and is remembered.
func (c *recentLists) get(user, id string) (store.Impression, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	lists, _ := c.users.Peek(user)
	for i := range lists {
		if lists[i].ID == id {
			return lists[i], true
		}
	}
	return store.Impression{}, false
}

// forget drops the user's lists and reports whether any was remembered.
func (c *recentLists) forget(user string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.users.Remove(user)
}
