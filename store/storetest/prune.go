package storetest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/recd/recd/store"
)

// testDeleteArtifact checks that a deleted version is gone (list, load, latest) and that
// deleting a missing version is ErrNotFound.
func testDeleteArtifact(t *testing.T, open Opener) {
	s := openStore(t, open)
	ctx := t.Context()
	wantNotFound(t, s.DeleteArtifact(ctx, "v1"), "DeleteArtifact on an empty store")
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	must(t, s.SaveArtifact(ctx, store.Artifact{Version: "v1", Kind: "bundle", Created: base, Blob: []byte("one")}), "SaveArtifact v1")
	must(t, s.SaveArtifact(ctx, store.Artifact{Version: "v2", Kind: "bundle", Created: base.Add(time.Hour), Blob: []byte("two")}), "SaveArtifact v2")
	must(t, s.DeleteArtifact(ctx, "v2"), "DeleteArtifact v2")
	_, err := s.LoadArtifact(ctx, "v2")
	wantNotFound(t, err, "LoadArtifact of a deleted version")
	if latest, err := s.LatestArtifact(ctx, "bundle"); err != nil || latest.Version != "v1" {
		t.Errorf("LatestArtifact after deleting the newest = %q, %v; want v1", latest.Version, err)
	}
	if got := versions(t, s); !reflect.DeepEqual(got, []string{"v1"}) {
		t.Errorf("ListArtifacts after delete = %v, want [v1]", got)
	}
	wantNotFound(t, s.DeleteArtifact(ctx, "v2"), "DeleteArtifact twice")
}

// testPruneArtifacts checks store.PruneArtifacts against the backend: the keep newest of the
// kind stay, and so does a protected version (the one being served) older than them; other
// kinds are untouched; a second prune deletes nothing.
func testPruneArtifacts(t *testing.T, open Opener) {
	s := openStore(t, open)
	ctx := t.Context()
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 1; i <= 6; i++ {
		v := fmt.Sprintf("v%d", i)
		must(t, s.SaveArtifact(ctx, store.Artifact{Version: v, Kind: "bundle", Created: base.Add(time.Duration(i) * time.Hour),
			Blob: []byte(v)}), "SaveArtifact "+v)
	}
	must(t, s.SaveArtifact(ctx, store.Artifact{Version: "other", Kind: "report", Created: base, Blob: []byte("x")}), "SaveArtifact other")
	served := func(v string) bool { return v == "v2" }

	deleted, err := store.PruneArtifacts(ctx, s, "bundle", 3, served)
	must(t, err, "PruneArtifacts")
	if want := []string{"v3", "v1"}; !reflect.DeepEqual(deleted, want) {
		t.Errorf("PruneArtifacts deleted %v, want %v", deleted, want)
	}
	if got, want := versions(t, s), []string{"v6", "v5", "v4", "v2", "other"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ListArtifacts after prune = %v, want %v (3 newest, the served one, other kinds)", got, want)
	}
	for _, v := range []string{"v1", "v3"} {
		_, err := s.LoadArtifact(ctx, v)
		wantNotFound(t, err, "LoadArtifact of pruned "+v)
	}
	if a, err := s.LoadArtifact(ctx, "v2"); err != nil || string(a.Blob) != "v2" {
		t.Errorf("LoadArtifact of the served v2 = %q, %v; want its blob", a.Blob, err)
	}
	if deleted, err := store.PruneArtifacts(ctx, s, "bundle", 3, served); err != nil || len(deleted) != 0 {
		t.Errorf("second PruneArtifacts deleted %v, %v; want nothing", deleted, err)
	}
	if deleted, err := store.PruneArtifacts(ctx, s, "bundle", 1, nil); err != nil || !reflect.DeepEqual(deleted, []string{"v5", "v4", "v2"}) {
		t.Errorf("PruneArtifacts keep 1 without protection deleted %v, %v; want [v5 v4 v2]", deleted, err)
	}
}

func versions(t *testing.T, s store.Store) []string {
	t.Helper()
	list, err := s.ListArtifacts(t.Context())
	must(t, err, "ListArtifacts")
	out := make([]string, 0, len(list))
	for _, a := range list {
		out = append(out, a.Version)
	}
	return out
}
