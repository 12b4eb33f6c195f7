package service

import (
	"fmt"
	"testing"
	"time"

	"github.com/recd/recd/store"
)

// A user's recent lists keep the maxRecentLists newest within the window, oldest first,
// whatever was added before, and lists out of the window are dropped on the next add.
func TestRecentLists_AddKeepsTheNewestInTheWindow(t *testing.T) {
	c := newRecentLists(time.Hour)
	t0 := time.Unix(1_000_000, 0)
	items := []store.ImpressionItem{{ItemID: "i", Position: 0}}
	for k := range 3 * maxRecentLists {
		c.add(store.Impression{ID: fmt.Sprint("r", k), UserID: "u", Time: t0.Add(time.Duration(k) * time.Second), Items: items})
	}
	sh := c.shard("u")
	got, _ := sh.users.Peek("u")
	sh.mu.Unlock()
	if len(got) != maxRecentLists {
		t.Fatalf("kept %d lists, want %d", len(got), maxRecentLists)
	}
	for i, l := range got {
		if want := fmt.Sprint("r", 2*maxRecentLists+i); l.ID != want {
			t.Errorf("list %d: got %s, want %s", i, l.ID, want)
		}
	}
	// An hour and more later, one add leaves only itself.
	c.add(store.Impression{ID: "late", UserID: "u", Time: t0.Add(2 * time.Hour), Items: items})
	if _, ok := c.get("u", fmt.Sprint("r", 3*maxRecentLists-1)); ok {
		t.Error("a list out of the window is still held")
	}
	if im, ok := c.latestOf("u", "i", t0, t0.Add(3*time.Hour)); !ok || im.ID != "late" {
		t.Errorf("latestOf: got %q %v, want late", im.ID, ok)
	}
	// Other users' lists are apart.
	if _, ok := c.get("v", "late"); ok {
		t.Error("another user's list found")
	}
}

// The recent lists in memory are among the lists the store's bounded lookup looks at (with
// the default bound): otherwise a replica could attribute from memory a click that the store
// would leave unattributed on one replica.
func TestRecentLists_WithinTheStoreBound(t *testing.T) {
	if maxRecentLists > DefaultFeedbackOptions().AttributionLists {
		t.Errorf("maxRecentLists %d > the default AttributionLists %d", maxRecentLists, DefaultFeedbackOptions().AttributionLists)
	}
}
