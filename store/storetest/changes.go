package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/store"
)

// feedOf returns the store's change feed, skipping the test when it has none.
func feedOf(t *testing.T, h *handle) store.ChangeFeed {
	t.Helper()
	f, ok := h.Store.(store.ChangeFeed)
	if !ok {
		t.Skip("the store has no change feed (store.ChangeFeed)")
	}
	return f
}

func scanChanges(t *testing.T, f store.ChangeFeed, after int64) []store.Change {
	t.Helper()
	var out []store.Change
	must(t, f.ScanChanges(t.Context(), after, func(c store.Change) error {
		out = append(out, c)
		return nil
	}), "ScanChanges")
	for i, c := range out {
		if c.Seq <= after {
			t.Fatalf("ScanChanges(%d) returned seq %d", after, c.Seq)
		}
		if i > 0 && c.Seq <= out[i-1].Seq {
			t.Fatalf("ScanChanges not in Seq order: %d after %d", c.Seq, out[i-1].Seq)
		}
	}
	return out
}

// describe renders changes as "kind:id:put|del[:title]" for comparison.
func describe(cs []store.Change) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		s := fmt.Sprintf("%s:%s:", c.Kind, c.ID)
		if c.Deleted {
			s += "del"
		} else {
			s += "put"
		}
		if c.Item != nil {
			s += ":" + c.Item.Title
		}
		out[i] = s
	}
	return out
}

func wantChanges(t *testing.T, what string, got []store.Change, want ...string) {
	t.Helper()
	d := describe(got)
	if fmt.Sprint(d) != fmt.Sprint(want) {
		t.Errorf("%s: changes = %q, want %q", what, d, want)
	}
}

// testChanges checks the catalog change feed: every item put and delete and every user
// delete is logged with the write, newest change per id, in commit order.
func testChanges(t *testing.T, open Opener) {
	t.Run("Feed", func(t *testing.T) { testChangesFeed(t, open) })
	t.Run("FailedWritesLogNothing", func(t *testing.T) { testChangesFailedWritesLogNothing(t, open) })
	t.Run("FollowerMissesNothing", func(t *testing.T) { testChangesFollowerMissesNothing(t, open) })
	t.Run("Reopen", func(t *testing.T) { testChangesReopen(t, open) })
}

// testChangesFeed logs puts and deletes and keeps the newest change of each id.
func testChangesFeed(t *testing.T, open Opener) {
	s := openStore(t, open)
	f := feedOf(t, s)
	ctx := t.Context()
	if m, err := f.MaxChangeSeq(ctx); err != nil || m != 0 {
		t.Fatalf("MaxChangeSeq of an empty store = %d, %v; want 0", m, err)
	}
	wantChanges(t, "empty store", scanChanges(t, f, 0))

	must(t, s.PutItems(ctx, []recd.Item{sampleItem("a"), sampleItem("b")}), "PutItems")
	first := scanChanges(t, f, 0)
	wantChanges(t, "after PutItems", first, "item:a:put:Title a", "item:b:put:Title b")
	if first[0].Item != nil {
		checkItem(t, *first[0].Item, sampleItem("a"))
		if first[0].Item.Vectors != nil {
			t.Errorf("a change's item carries vectors: %v", first[0].Item.Vectors)
		}
	}
	mark, err := f.MaxChangeSeq(ctx)
	must(t, err, "MaxChangeSeq")
	if mark != first[1].Seq {
		t.Errorf("MaxChangeSeq = %d, want the last change's seq %d", mark, first[1].Seq)
	}

	a := sampleItem("a")
	a.Title = "retitled"
	must(t, s.PutItems(ctx, []recd.Item{a}), "PutItems again")
	must(t, s.DeleteItem(ctx, "b"), "DeleteItem")
	wantChanges(t, "after the mark", scanChanges(t, f, mark), "item:a:put:retitled", "item:b:del")

	addEvents(t, s, []recd.Event{event("u", "a", 1)})
	must(t, s.PutUser(ctx, recd.User{ID: "quiet"}), "PutUser")
	must(t, s.DeleteUser(ctx, "u"), "DeleteUser")
	wantChanges(t, "from the start: the newest change of each id",
		scanChanges(t, f, 0), "item:a:put:retitled", "item:b:del", "user:u:del")

	// A batch naming an id twice logs one change, the later entry's.
	c1, c2 := sampleItem("c"), sampleItem("c")
	c2.Title = "second"
	before, err := f.MaxChangeSeq(ctx)
	must(t, err, "MaxChangeSeq")
	must(t, s.PutItems(ctx, []recd.Item{c1, c2}), "PutItems with a repeated id")
	wantChanges(t, "repeated id", scanChanges(t, f, before), "item:c:put:second")
	must(t, s.DeleteItem(ctx, "c"), "DeleteItem")

	// An item put back after its delete is a put again, with the item.
	must(t, s.PutItems(ctx, []recd.Item{sampleItem("b")}), "PutItems after delete")
	wantChanges(t, "re-created item", scanChanges(t, f, 0), "item:a:put:retitled", "user:u:del", "item:c:del",
		"item:b:put:Title b")
}

// testChangesFailedWritesLogNothing: a write that fails logs no change.
func testChangesFailedWritesLogNothing(t *testing.T, open Opener) {
	s := openStore(t, open)
	f := feedOf(t, s)
	ctx := t.Context()
	must(t, s.PutItems(ctx, []recd.Item{sampleItem("a")}), "PutItems")
	before, err := f.MaxChangeSeq(ctx)
	must(t, err, "MaxChangeSeq")
	bad := sampleItem("")
	if err := s.PutItems(ctx, []recd.Item{sampleItem("c"), bad}); err == nil {
		t.Fatal("PutItems with an empty id succeeded")
	}
	wantNotFound(t, s.DeleteItem(ctx, "missing"), "DeleteItem of a missing item")
	wantNotFound(t, s.DeleteUser(ctx, "missing"), "DeleteUser of a missing user")
	after, err := f.MaxChangeSeq(ctx)
	must(t, err, "MaxChangeSeq")
	if after != before {
		t.Errorf("failed writes moved MaxChangeSeq from %d to %d", before, after)
	}
	wantChanges(t, "after failed writes", scanChanges(t, f, before))
}

// testChangesFollowerMissesNothing races writers against a follower that reads after the last
// seq it saw: numbers commit in increasing order, so it ends up having seen every item.
func testChangesFollowerMissesNothing(t *testing.T, open Opener) {
	// Writers race while a follower reads after the last seq it saw: numbers commit in
	// increasing order, so it ends up having seen every item.
	s := openStore(t, open)
	f := feedOf(t, s)
	ctx := t.Context()
	const writers, per = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				if err := s.PutItems(ctx, []recd.Item{sampleItem(fmt.Sprintf("w%d-%d", w, i))}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	seen := map[string]bool{}
	var last int64
	follow := func() {
		must(t, f.ScanChanges(ctx, last, func(c store.Change) error {
			if c.Seq <= last {
				return fmt.Errorf("seq %d after %d", c.Seq, last)
			}
			last = c.Seq
			seen[c.ID] = true
			return nil
		}), "ScanChanges while writing")
	}
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		follow()
	}
	follow()
	close(errs)
	for err := range errs {
		t.Fatalf("PutItems: %v", err)
	}
	if len(seen) != writers*per {
		t.Errorf("follower saw %d items, want %d", len(seen), writers*per)
	}
}

// testChangesReopen: the feed survives closing and reopening the store.
func testChangesReopen(t *testing.T, open Opener) {
	s := openStore(t, open)
	ctx := t.Context()
	feedOf(t, s)
	must(t, s.PutItems(ctx, []recd.Item{sampleItem("a")}), "PutItems")
	must(t, s.DeleteItem(ctx, "a"), "DeleteItem")
	s.close(t)
	s = openStore(t, open)
	wantChanges(t, "after reopen", scanChanges(t, feedOf(t, s), 0), "item:a:del")
}
