package storetest

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/store"
)

// experimentsOf returns the store's experiment table, skipping the test when it has none.
func experimentsOf(t *testing.T, h *handle) store.Experiments {
	t.Helper()
	x, ok := h.Store.(store.Experiments)
	if !ok {
		t.Skip("the store holds no experiments (store.Experiments)")
	}
	return x
}

func testExperiments(t *testing.T, open Opener) {
	h := openStore(t, open)
	x := experimentsOf(t, h)
	ctx := t.Context()
	t0 := time.Date(2026, 3, 4, 5, 6, 7, 8, time.UTC)
	a := store.ExperimentRecord{ID: "a", Spec: `{"v":1}`, Created: t0, Updated: t0}
	created, err := x.PutExperiment(ctx, a)
	must(t, err, "PutExperiment")
	if !created {
		t.Error("PutExperiment of a new id reported a replacement")
	}
	got, err := x.GetExperiment(ctx, "a")
	must(t, err, "GetExperiment")
	if !reflect.DeepEqual(got, a) {
		t.Errorf("GetExperiment = %+v, want %+v", got, a)
	}
	// Replacing keeps Created.
	a2 := store.ExperimentRecord{ID: "a", Spec: `{"v":2}`, Created: t0.Add(time.Hour), Updated: t0.Add(time.Hour)}
	created, err = x.PutExperiment(ctx, a2)
	must(t, err, "PutExperiment (replace)")
	if created {
		t.Error("PutExperiment of a stored id reported a new one")
	}
	got, err = x.GetExperiment(ctx, "a")
	must(t, err, "GetExperiment")
	if want := (store.ExperimentRecord{ID: "a", Spec: `{"v":2}`, Created: t0, Updated: a2.Updated}); !reflect.DeepEqual(got, want) {
		t.Errorf("after replace GetExperiment = %+v, want %+v", got, want)
	}
	_, err = x.PutExperiment(ctx, store.ExperimentRecord{ID: "0", Spec: `{}`, Created: t0, Updated: t0})
	must(t, err, "PutExperiment")
	list, err := x.ListExperiments(ctx)
	must(t, err, "ListExperiments")
	if len(list) != 2 || list[0].ID != "0" || list[1].ID != "a" {
		t.Errorf("ListExperiments = %+v, want 0 then a", list)
	}
	must(t, x.DeleteExperiment(ctx, "0"), "DeleteExperiment")
	if err := x.DeleteExperiment(ctx, "0"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second DeleteExperiment err = %v, want ErrNotFound", err)
	}
	if _, err := x.GetExperiment(ctx, "0"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetExperiment of a deleted id err = %v, want ErrNotFound", err)
	}
	h.close(t)
	h = openStore(t, open)
	if got, err := experimentsOf(t, h).GetExperiment(ctx, "a"); err != nil || got.Spec != `{"v":2}` {
		t.Errorf("after reopen GetExperiment = %+v, %v", got, err)
	}
}

func testExperimentLists(t *testing.T, open Opener) {
	h := openStore(t, open)
	x := experimentsOf(t, h)
	ims := impressionsOf(t, h)
	ctx := t.Context()
	t0 := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	l1 := impression("01ARYZ6S41TSV4RRFFQ69G5FA1", "u1", t0, "a", "b")
	l1.Experiment, l1.Variant = "exp", "control"
	l2 := impression("01ARYZ6S41TSV4RRFFQ69G5FA2", "u2", t0, "c", "d")
	l2.Experiment, l2.Variant = "exp", "interleaved"
	l2.Items[0].Variant, l2.Items[1].Variant = "x", "y"
	other := impression("01ARYZ6S41TSV4RRFFQ69G5FA3", "u1", t0, "a")
	other.Experiment, other.Variant = "other", "control"
	plain := impression("01ARYZ6S41TSV4RRFFQ69G5FA4", "u1", t0, "a")
	must(t, ims.PutImpressions(ctx, []store.Impression{l2, other, l1, plain}), "PutImpressions")
	p1 := 1
	_, err := h.AddEvents(ctx, []recd.Event{
		{UserID: "u1", ItemID: "b", Type: "click", Timestamp: t0, RecommendationID: l1.ID, Position: &p1},
		{UserID: "u1", ItemID: "b", Type: "purchase", Timestamp: t0.Add(time.Second), RecommendationID: l1.ID, Position: &p1},
		{UserID: "u1", ItemID: "a", Type: "click", Timestamp: t0, RecommendationID: other.ID},
		{UserID: "u1", ItemID: "a", Type: "click", Timestamp: t0},
	})
	must(t, err, "AddEvents")
	var got []store.ExperimentList
	must(t, x.ScanExperimentLists(ctx, "exp", func(l store.ExperimentList) error {
		got = append(got, l)
		return nil
	}), "ScanExperimentLists")
	if len(got) != 2 || got[0].ID != l1.ID || got[1].ID != l2.ID {
		t.Fatalf("ScanExperimentLists = %+v, want l1 then l2", got)
	}
	if !reflect.DeepEqual(got[0].Impression, l1) || !reflect.DeepEqual(got[1].Impression, l2) {
		t.Errorf("lists read back as %+v and %+v, want %+v and %+v", got[0].Impression, got[1].Impression, l1, l2)
	}
	want := []store.AttributedEvent{{ItemID: "b", Type: "click", Position: 1}, {ItemID: "b", Type: "purchase", Position: 1}}
	if !reflect.DeepEqual(got[0].Events, want) {
		t.Errorf("l1's events = %+v, want %+v", got[0].Events, want)
	}
	if len(got[1].Events) != 0 {
		t.Errorf("l2's events = %+v, want none", got[1].Events)
	}
	stop := errors.New("stop")
	n := 0
	err = x.ScanExperimentLists(ctx, "exp", func(store.ExperimentList) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("a scan whose callback fails returned %v after %d calls, want stop after 1", err, n)
	}
}
