package storetest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/store"
)

func sampleItem(id string) recd.Item {
	return recd.Item{
		ID: id, Title: "Title " + id, Text: "Some text about " + id + " – ünïcode",
		Categories: []string{"Comedy", "Drama"}, Tags: []string{"funny"},
		Attributes: map[string]any{"year": 1995, "price": 9.5, "brand": "acme", "nested": map[string]any{"a": []any{1, "x"}}},
		Available:  true,
	}
}

// testItems runs the item subtests in order on one store (later ones see earlier writes).
func testItems(t *testing.T, open Opener) {
	s := openStore(t, open)
	t.Run("PutGet", func(t *testing.T) { testItemsPutGet(t, s) })
	t.Run("ReplaceKeepsCreatedAt", func(t *testing.T) { testItemsReplaceKeepsCreatedAt(t, s) })
	t.Run("DuplicateInBatchLastWins", func(t *testing.T) { testItemsDuplicateInBatchLastWins(t, s) })
	t.Run("GetMissing", func(t *testing.T) { testItemsGetMissing(t, s) })
	t.Run("Delete", func(t *testing.T) { testItemsDelete(t, s) })
	t.Run("Count", func(t *testing.T) { testItemsCount(t, openStore(t, open)) })
}

func testItemsPutGet(t *testing.T, s *handle) {
	ctx := t.Context()
	want := sampleItem("a")
	want.Vectors = map[string][]float32{"cf": {1, -2.5, 3e-7}, "content": {0.25}}
	before := time.Now()
	must(t, s.PutItems(ctx, []recd.Item{want}), "PutItems")
	after := time.Now()
	got, err := s.GetItem(ctx, "a")
	must(t, err, "GetItem")
	checkItem(t, got, want)
	checkVectors(t, "a", got.Vectors, want.Vectors)
	if !between(got.CreatedAt, before, after) || !between(got.UpdatedAt, before, after) {
		t.Errorf("timestamps %v %v not within the PutItems call [%v, %v]", got.CreatedAt, got.UpdatedAt, before, after)
	}
}

func testItemsReplaceKeepsCreatedAt(t *testing.T, s *handle) {
	ctx := t.Context()
	created := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	first := sampleItem("r")
	first.CreatedAt = created
	must(t, s.PutItems(ctx, []recd.Item{first}), "PutItems")
	got, err := s.GetItem(ctx, "r")
	must(t, err, "GetItem")
	if !got.CreatedAt.Equal(created) {
		t.Errorf("CreatedAt = %v, want the given %v", got.CreatedAt, created)
	}
	second := recd.Item{ID: "r", Title: "new title", Available: false, CreatedAt: created.Add(time.Hour)}
	before := time.Now()
	must(t, s.PutItems(ctx, []recd.Item{second}), "PutItems replace")
	after := time.Now()
	got, err = s.GetItem(ctx, "r")
	must(t, err, "GetItem")
	checkItem(t, got, second)
	if !got.CreatedAt.Equal(created) {
		t.Errorf("after replace CreatedAt = %v, want the original %v", got.CreatedAt, created)
	}
	if !between(got.UpdatedAt, before, after) {
		t.Errorf("after replace UpdatedAt = %v, want within [%v, %v]", got.UpdatedAt, before, after)
	}
}

func testItemsDuplicateInBatchLastWins(t *testing.T, s *handle) {
	ctx := t.Context()
	a, b := sampleItem("dup"), sampleItem("dup")
	b.Title = "second"
	must(t, s.PutItems(ctx, []recd.Item{a, b}), "PutItems")
	got, err := s.GetItem(ctx, "dup")
	must(t, err, "GetItem")
	if got.Title != "second" {
		t.Errorf("Title = %q, want the later entry's %q", got.Title, "second")
	}
}

func testItemsGetMissing(t *testing.T, s *handle) {
	ctx := t.Context()
	_, err := s.GetItem(ctx, "nope")
	wantNotFound(t, err, "GetItem(nope)")
}

func testItemsDelete(t *testing.T, s *handle) {
	ctx := t.Context()
	it := sampleItem("d")
	it.Vectors = map[string][]float32{"cf": {1, 2}}
	must(t, s.PutItems(ctx, []recd.Item{it}), "PutItems")
	must(t, s.DeleteItem(ctx, "d"), "DeleteItem")
	_, err := s.GetItem(ctx, "d")
	wantNotFound(t, err, "GetItem after delete")
	wantNotFound(t, s.DeleteItem(ctx, "d"), "DeleteItem twice")
	ex, err := s.ExistingItems(ctx, []string{"d"})
	must(t, err, "ExistingItems")
	if ex["d"] {
		t.Errorf("ExistingItems reports the deleted item")
	}
	last := map[string]store.VectorRecord{}
	must(t, s.ScanVectors(ctx, 0, func(r store.VectorRecord) error {
		if r.ItemID == "d" {
			last[r.Space] = r
		}
		return nil
	}), "ScanVectors")
	if r, ok := last["cf"]; !ok || r.Vector != nil {
		t.Errorf("vector log for deleted item: got %+v (present %v), want a tombstone", r, ok)
	}
}

func testItemsCount(t *testing.T, s *handle) {
	ctx := t.Context()
	n, err := s.CountItems(ctx)
	must(t, err, "CountItems")
	if n != 0 {
		t.Errorf("CountItems on an empty store = %d", n)
	}
	must(t, s.PutItems(ctx, []recd.Item{sampleItem("1"), sampleItem("2"), sampleItem("3")}), "PutItems")
	must(t, s.DeleteItem(ctx, "2"), "DeleteItem")
	if n, err = s.CountItems(ctx); err != nil || n != 2 {
		t.Errorf("CountItems = %d, %v; want 2", n, err)
	}
}

func testListItems(t *testing.T, open Opener) {
	s := openStore(t, open)
	ctx := t.Context()
	rng := rand.New(rand.NewPCG(1, 2))
	var ids []string
	for i := range 53 {
		ids = append(ids, fmt.Sprintf("item-%03d", rng.IntN(1000)*100+i))
	}
	shuffled := slices.Clone(ids)
	rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	var items []recd.Item
	for _, id := range shuffled {
		it := sampleItem(id)
		it.Vectors = map[string][]float32{"cf": {1}}
		items = append(items, it)
	}
	must(t, s.PutItems(ctx, items), "PutItems")
	slices.Sort(ids)

	t.Run("Pages", func(t *testing.T) { testListItemsPages(t, s, ids) })
	t.Run("CursorIsExclusive", func(t *testing.T) { testListItemsCursorIsExclusive(t, s, ids) })
	t.Run("BadLimit", func(t *testing.T) { testListItemsBadLimit(t, s, ids) })
	t.Run("Existing", func(t *testing.T) { testListItemsExisting(t, s, ids) })
	t.Run("Scan", func(t *testing.T) { testListItemsScan(t, s, ids) })
}

func testListItemsPages(t *testing.T, s *handle, ids []string) {
	ctx := t.Context()
	for _, limit := range []int{1, 7, 53, 100} {
		var got []string
		cursor, pages := "", 0
		for {
			page, next, err := s.ListItems(ctx, cursor, limit)
			must(t, err, "ListItems")
			pages++
			if len(page) > limit {
				t.Fatalf("limit %d: page of %d", limit, len(page))
			}
			for _, it := range page {
				if it.Vectors != nil {
					t.Errorf("ListItems returned vectors for %q", it.ID)
				}
				got = append(got, it.ID)
			}
			if next == "" {
				break
			}
			if pages > len(ids)+1 {
				t.Fatalf("limit %d: paging does not end", limit)
			}
			cursor = next
		}
		if !slices.Equal(got, ids) {
			t.Errorf("limit %d: listed %v, want %v", limit, got, ids)
		}
		if want := (len(ids) + limit - 1) / limit; pages != want {
			t.Errorf("limit %d: %d pages, want %d (the last full page must say there is no more)", limit, pages, want)
		}
	}
}

func testListItemsCursorIsExclusive(t *testing.T, s *handle, ids []string) {
	ctx := t.Context()
	page, _, err := s.ListItems(ctx, ids[10], 3)
	must(t, err, "ListItems")
	if len(page) != 3 || page[0].ID != ids[11] {
		t.Errorf("ListItems after %q = %v, want to start at %q", ids[10], page, ids[11])
	}
}

func testListItemsBadLimit(t *testing.T, s *handle, ids []string) {
	ctx := t.Context()
	if _, _, err := s.ListItems(ctx, "", 0); !errors.Is(err, recd.ErrInvalid) {
		t.Errorf("ListItems limit 0: err = %v, want ErrInvalid", err)
	}
}

func testListItemsExisting(t *testing.T, s *handle, ids []string) {
	ctx := t.Context()
	ask := []string{ids[0], "missing-1", ids[5], "", ids[52], "missing-2"}
	got, err := s.ExistingItems(ctx, ask)
	must(t, err, "ExistingItems")
	for _, id := range ask {
		want := slices.Contains(ids, id)
		if got[id] != want {
			t.Errorf("ExistingItems[%q] = %v, want %v", id, got[id], want)
		}
	}
	if len(got) > 3 {
		t.Errorf("ExistingItems returned %d keys, want at most the 3 existing", len(got))
	}
	if got, err := s.ExistingItems(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("ExistingItems(nil) = %v, %v", got, err)
	}
}

func testListItemsScan(t *testing.T, s *handle, ids []string) {
	ctx := t.Context()
	var got []string
	must(t, s.ScanItems(ctx, func(it recd.Item) error {
		if it.Vectors != nil {
			t.Errorf("ScanItems returned vectors for %q", it.ID)
		}
		got = append(got, it.ID)
		return nil
	}), "ScanItems")
	if !slices.Equal(got, ids) {
		t.Errorf("ScanItems visited %v, want %v", got, ids)
	}
	stop := errors.New("stop")
	calls := 0
	err := s.ScanItems(ctx, func(recd.Item) error {
		calls++
		if calls == 5 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 5 {
		t.Errorf("ScanItems with a failing fn: err %v after %d calls, want stop after 5", err, calls)
	}
	n, err := s.CountItems(ctx)
	if err != nil || n != len(ids) {
		t.Errorf("CountItems = %d, %v; want %d", n, err, len(ids))
	}
}
