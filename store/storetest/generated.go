package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/store"
)

// testGenerated checks store.Descriptions: a description is kept apart from the owner's
// fields, survives a put of the item, is marked stale exactly while the fields it was written
// from differ, travels through every read and the change feed, and goes with the item.
func testGenerated(t *testing.T, open Opener) {
	s := openStore(t, open)
	ds, ok := s.Store.(store.Descriptions)
	if !ok {
		t.Skip("the store keeps no generated descriptions (store.Descriptions)")
	}
	ctx := t.Context()
	it := sampleItem("g")
	must(t, s.PutItems(ctx, []recd.Item{it}), "PutItems")
	fields := []string{"title", "tags"}
	at := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	g := recd.Generated{Text: "A short film about g.", Model: "m-1", At: at, Fields: fields,
		SourceHash: recd.SourceHash(it, fields)}
	wantNotFound(t, ds.PutGenerated(ctx, "nope", g), "PutGenerated of an unknown item")
	var before int64
	if f, ok := s.Store.(store.ChangeFeed); ok {
		var err error
		before, err = f.MaxChangeSeq(ctx)
		must(t, err, "MaxChangeSeq")
	}
	must(t, ds.PutGenerated(ctx, "g", g), "PutGenerated")
	check := func(what string, wantStale bool) recd.Item {
		t.Helper()
		got, err := s.GetItem(ctx, "g")
		must(t, err, what+": GetItem")
		gg := got.Generated
		if gg == nil {
			t.Fatalf("%s: GetItem has no generated text", what)
		}
		if gg.Text != g.Text || gg.Model != g.Model || !gg.At.Equal(at) || gg.SourceHash != g.SourceHash ||
			!equalJSON(gg.Fields, fields) || gg.Stale != wantStale {
			t.Errorf("%s: generated = %+v, want %+v with stale %v", what, *gg, g, wantStale)
		}
		return got
	}
	check("after PutGenerated", false)

	if f, ok := s.Store.(store.ChangeFeed); ok {
		cs := scanChanges(t, f, before)
		if len(cs) != 1 || cs[0].Item == nil || cs[0].Item.Generated == nil || cs[0].Item.Generated.Text != g.Text {
			t.Errorf("change feed after PutGenerated = %v, want item g with its generated text", describe(cs))
		}
	}

	// A put of the item with a field the description was not written from: kept, fresh. The
	// Generated a writer sends is ignored.
	it2 := it
	it2.Text = "the owner rewrote the text"
	it2.Generated = &recd.Generated{Text: "sent by a client", SourceHash: "x"}
	must(t, s.PutItems(ctx, []recd.Item{it2}), "PutItems (text changed)")
	if got := check("after a put changing only text", false); got.Text != it2.Text {
		t.Errorf("text = %q, want the owner's %q", got.Text, it2.Text)
	}
	// The title changed: kept, stale; changed back: fresh again.
	it3 := it
	it3.Title = "Another title"
	must(t, s.PutItems(ctx, []recd.Item{it3}), "PutItems (title changed)")
	check("after a put changing the title", true)
	must(t, s.PutItems(ctx, []recd.Item{it}), "PutItems (title restored)")
	check("after the title was restored", false)

	checkGeneratedReads(t, s, g.Text)
	bad := g
	bad.Text = "bad \x00 text"
	if err := ds.PutGenerated(ctx, "g", bad); !errors.Is(err, recd.ErrInvalid) {
		t.Errorf("PutGenerated with a NUL = %v, want ErrInvalid", err)
	}
	check("after a refused PutGenerated", false)

	must(t, s.DeleteItem(ctx, "g"), "DeleteItem")
	must(t, s.PutItems(ctx, []recd.Item{it}), "PutItems (again)")
	got, err := s.GetItem(ctx, "g")
	must(t, err, "GetItem")
	if got.Generated != nil {
		t.Errorf("a deleted and re-created item kept generated text %+v", *got.Generated)
	}
}

// checkGeneratedReads checks that ListItems and ScanItems carry the one item's generated text.
func checkGeneratedReads(t *testing.T, s *handle, text string) {
	t.Helper()
	ctx := t.Context()
	page, _, err := s.ListItems(ctx, "", 10)
	must(t, err, "ListItems")
	if len(page) != 1 || page[0].Generated == nil || page[0].Generated.Text != text {
		t.Errorf("ListItems = %+v, want g with its generated text", page)
	}
	var scanned int
	must(t, s.ScanItems(ctx, func(x recd.Item) error {
		if x.Generated != nil && x.Generated.Text == text {
			scanned++
		}
		return nil
	}), "ScanItems")
	if scanned != 1 {
		t.Errorf("ScanItems saw the generated text %d times, want 1", scanned)
	}

}
