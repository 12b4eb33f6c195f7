package storetest

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/store"
)

// state is what a failed batch must leave unchanged.
type state struct {
	items, events int
	vectors       []store.VectorRecord
}

func snapshot(t *testing.T, s store.Store) state {
	t.Helper()
	var st state
	var err error
	st.items, err = s.CountItems(t.Context())
	must(t, err, "CountItems")
	st.events, err = s.CountEvents(t.Context())
	must(t, err, "CountEvents")
	st.vectors = scanVectors(t, s, 0)
	return st
}

func (a state) equal(b state) bool {
	if a.items != b.items || a.events != b.events || len(a.vectors) != len(b.vectors) {
		return false
	}
	for i := range a.vectors {
		if a.vectors[i].Seq != b.vectors[i].Seq {
			return false
		}
	}
	return true
}

func itemBatch(prefix string, n int) []recd.Item {
	items := make([]recd.Item, n)
	for i := range items {
		items[i] = sampleItem(fmt.Sprintf("%s-%d", prefix, i))
		items[i].Vectors = map[string][]float32{"cf": {float32(i), 1}}
	}
	return items
}

func testBatchAtomicity(t *testing.T, open Opener) {
	s := openStore(t, open)
	ctx := t.Context()
	must(t, s.PutItems(ctx, itemBatch("seed", 3)), "PutItems seed")
	addEvents(t, s, []recd.Event{event("seed-user", "seed-0", 0)})
	long := strings.Repeat("x", store.MaxIDLen+1)

	t.Run("PutItems", func(t *testing.T) {
		before := snapshot(t, s)
		batch := itemBatch("bad", 10)
		batch[0].ID = "seed-0" // would replace an existing item
		batch[0].Vectors = map[string][]float32{}
		batch[7].ID = long
		err := s.PutItems(ctx, batch)
		if !errors.Is(err, recd.ErrInvalid) {
			t.Fatalf("PutItems with a %d-character id: err = %v, want ErrInvalid", len(long), err)
		}
		if after := snapshot(t, s); !before.equal(after) {
			t.Errorf("failed PutItems changed the store: %+v -> %+v", before, after)
		}
		got, err := s.GetItem(ctx, "seed-0")
		must(t, err, "GetItem")
		checkVectors(t, "seed-0", got.Vectors, map[string][]float32{"cf": {0, 1}})
		if ex, _ := s.ExistingItems(ctx, []string{"bad-1", "bad-9"}); len(ex) != 0 {
			t.Errorf("items of the failed batch exist: %v", ex)
		}
	})

	for _, size := range []int{3, 300} {
		t.Run(fmt.Sprintf("AddEvents%d", size), func(t *testing.T) {
			before := snapshot(t, s)
			var batch []recd.Event
			for i := range size {
				batch = append(batch, event(fmt.Sprintf("new-user-%d", i), "seed-1", i))
			}
			batch[size-1].Type = long
			if _, err := s.AddEvents(ctx, batch); !errors.Is(err, recd.ErrInvalid) {
				t.Fatalf("AddEvents with a %d-character type: err = %v, want ErrInvalid", len(long), err)
			}
			if after := snapshot(t, s); !before.equal(after) {
				t.Errorf("failed AddEvents changed the store: %+v -> %+v", before, after)
			}
			_, err := s.GetUser(ctx, "new-user-0")
			wantNotFound(t, err, "user created by a failed batch")
		})
	}
}

// testCancelAtomicity cancels the context at many points inside batch writes. Each call must
// leave none or all of its batch (a call that returned nil all of it). A call that fails may
// still have committed, since the commit can race the cancellation, but never partly.
func testCancelAtomicity(t *testing.T, open Opener) {
	s := openStore(t, open)
	failures, tries := 0, 0
	for _, size := range []int{5, 500} {
		for n := int64(1); n <= 3000; n = n*3/2 + 1 {
			tries += 2
			before := snapshot(t, s)
			var batch []recd.Event
			prefix := fmt.Sprintf("c%d-%d", size, n)
			for i := range size {
				batch = append(batch, event(fmt.Sprintf("%s-%d", prefix, i%50), fmt.Sprintf("i%d", i), i))
			}
			ctx := newCancelAfter(t.Context(), n)
			_, err := s.AddEvents(ctx, batch)
			after := snapshot(t, s)
			if err != nil {
				failures++
			}
			_, uerr := s.GetUser(t.Context(), prefix+"-0")
			switch {
			case after.events == before.events+len(batch) && uerr == nil:
			case after.events == before.events && err != nil && errors.Is(uerr, store.ErrNotFound):
			default:
				t.Errorf("%v: AddEvents of %d (err %v) took events %d -> %d, user err %v: not all or nothing",
					ctx, size, err, before.events, after.events, uerr)
			}

			before = after
			ictx := newCancelAfter(t.Context(), n)
			err = s.PutItems(ictx, itemBatch(prefix, size))
			after = snapshot(t, s)
			if err != nil {
				failures++
			}
			whole := after.items == before.items+size && len(after.vectors) == len(before.vectors)+size
			if !whole && !(err != nil && before.equal(after)) {
				t.Errorf("%v: PutItems of %d (err %v) took items %d -> %d, vectors %d -> %d: not all or nothing",
					ictx, size, err, before.items, after.items, len(before.vectors), len(after.vectors))
			}
		}
	}
	t.Logf("%d of %d cancelled calls failed", failures, tries)
	if failures == 0 {
		t.Errorf("no cancelled call failed: the test did not exercise cancellation")
	}
}

func testValidation(t *testing.T, open Opener) {
	s := openStore(t, open)
	ctx := t.Context()
	long := strings.Repeat("é", store.MaxIDLen+1)
	atLimit := strings.Repeat("é", store.MaxIDLen)
	cases := []struct {
		name string
		call func() error
	}{
		{"EmptyItemID", func() error { return s.PutItems(ctx, []recd.Item{{ID: ""}}) }},
		{"LongItemID", func() error { return s.PutItems(ctx, []recd.Item{{ID: long}}) }},
		{"LongSpace", func() error {
			return s.PutItems(ctx, []recd.Item{{ID: "x", Vectors: map[string][]float32{long: {1}}}})
		}},
		{"EmptyUserID", func() error { return s.PutUser(ctx, recd.User{ID: ""}) }},
		{"LongUserID", func() error { return s.PutUser(ctx, recd.User{ID: long}) }},
		{"EventEmptyUser", func() error { _, err := s.AddEvents(ctx, []recd.Event{{ItemID: "i", Type: "view"}}); return err }},
		{"EventEmptyItem", func() error { _, err := s.AddEvents(ctx, []recd.Event{{UserID: "u", Type: "view"}}); return err }},
		{"EventEmptyType", func() error { _, err := s.AddEvents(ctx, []recd.Event{{UserID: "u", ItemID: "i"}}); return err }},
		{"EventLongSession", func() error {
			_, err := s.AddEvents(ctx, []recd.Event{{UserID: "u", ItemID: "i", Type: "view", SessionID: long}})
			return err
		}},
		{"EventNaN", func() error {
			_, err := s.AddEvents(ctx, []recd.Event{{UserID: "u", ItemID: "i", Type: "view", Value: math.NaN()}})
			return err
		}},
		{"EventYear3000", func() error {
			_, err := s.AddEvents(ctx, []recd.Event{{UserID: "u", ItemID: "i", Type: "view", Timestamp: time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)}})
			return err
		}},
		{"NULInTitle", func() error { return s.PutItems(ctx, []recd.Item{{ID: "x", Title: "a\x00b"}}) }},
		{"NULInAttribute", func() error {
			return s.PutItems(ctx, []recd.Item{{ID: "x", Attributes: map[string]any{"k": "a\x00b"}}})
		}},
		{"NULInCategory", func() error { return s.PutItems(ctx, []recd.Item{{ID: "x", Categories: []string{"\x00"}}}) }},
		{"BadUTF8ItemID", func() error { return s.PutItems(ctx, []recd.Item{{ID: "x\xff"}}) }},
		{"BadUTF8EventItem", func() error {
			_, err := s.AddEvents(ctx, []recd.Event{{UserID: "u", ItemID: "i\xc3", Type: "view"}})
			return err
		}},
		{"NULInUserAttribute", func() error {
			return s.PutUser(ctx, recd.User{ID: "u", Attributes: map[string]any{"k": []any{"\x00"}}})
		}},
		{"ArtifactEmptyVersion", func() error { return s.SaveArtifact(ctx, store.Artifact{Kind: "k"}) }},
		{"ArtifactNaNMetric", func() error {
			return s.SaveArtifact(ctx, store.Artifact{Version: "v", Kind: "k", Metrics: map[string]float64{"m": math.Inf(1)}})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); !errors.Is(err, recd.ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
		})
	}
	if st := snapshot(t, s); st.items != 0 || st.events != 0 || len(st.vectors) != 0 {
		t.Errorf("rejected writes changed the store: %+v", st)
	}
	t.Run("AtLimit", func(t *testing.T) {
		must(t, s.PutItems(ctx, []recd.Item{{ID: atLimit}}), "PutItems with a MaxIDLen-character id")
		if _, err := s.GetItem(ctx, atLimit); err != nil {
			t.Errorf("GetItem: %v", err)
		}
	})
}
