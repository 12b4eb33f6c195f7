package service_test

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/service"
)

// TestService_PutGenerated_OtherReplica: a description written through one replica is seen
// by another sharing the store, makes the next training run (a catalog change, not skipped),
// and reaches the content model: the word only the description holds now ties the item to
// the items sharing that word.
func TestService_PutGenerated_OtherReplica(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	db := filepath.Join(dir, "shared.db")
	a := replica(t, db, filepath.Join(dir, "a"))
	items, events := smallWorld()
	if err := a.PutItems(ctx, items); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	first, err := a.Train(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b := replica(t, db, filepath.Join(dir, "b"))
	// i00 (Comedy) and i01 (Drama) share nothing but their descriptions' rare words.
	for _, id := range []string{"i00", "i01"} {
		in := service.GeneratedIn{Text: "A zeppelin voyage over quokka islands with a gramophone, " +
			"marmalade lighthouses, tangerine submarines, velvet glaciers and clockwork pelicans.", Model: "by hand",
			Fields: []string{"title"}}
		if _, err := a.PutGenerated(ctx, id, in); err != nil {
			t.Fatal(err)
		}
	}
	mustSync(t, b)
	got, err := b.GetItem(ctx, "i00")
	if err != nil || got.Generated == nil || got.Generated.Model != "by hand" || got.Generated.Stale ||
		got.Generated.SourceHash != recd.SourceHash(got, []string{"title"}) {
		t.Fatalf("b reads i00 = %+v, %v", got.Generated, err)
	}
	second, err := a.Train(ctx)
	if err != nil || second.Skipped || second.Version == first.Version {
		t.Fatalf("training after the descriptions: %+v, %v; want a new version", second, err)
	}
	resp, err := a.Similar(ctx, "i00", 3, "content_sparse", nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range resp.Items {
		ids = append(ids, r.ID)
	}
	if !slices.Contains(ids, "i01") {
		t.Errorf("content neighbours of i00 = %v, want i01, which shares only its description's words", ids)
	}
	if _, err := a.PutGenerated(ctx, "nope", service.GeneratedIn{Text: "x", Model: "m"}); err == nil {
		t.Error("PutGenerated of an unknown item succeeded")
	}
}
