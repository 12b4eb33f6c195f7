package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/service"
	"github.com/recd/recd/store/sqlite"
)

// TestRunTrain_SkipsUnchangedUnlessForced: `recd train` twice without new events writes one
// version and answers skipped; --force writes another.
// trainDir returns a data dir whose store holds the available items ids and the events evs.
func trainDir(t *testing.T, ids []string, evs []recd.Event) string {
	t.Helper()
	ctx := t.Context()
	dir := t.TempDir()
	st, err := sqlite.Open(filepath.Join(dir, "recd.db"), sqlite.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	o := service.DefaultOptions()
	o.Index = newIndex(t)
	svc, err := service.New(ctx, st, o)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	items := make([]recd.Item, len(ids))
	for k, id := range ids {
		items[k] = recd.Item{ID: id, Available: true}
	}
	if err := svc.PutItems(ctx, items); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestRunTrain_SkipsUnchangedUnlessForced(t *testing.T) {
	ctx := t.Context()
	dir := trainDir(t, []string{"a", "b"}, []recd.Event{{UserID: "u", ItemID: "a", Type: "view"}})

	train := func(extra ...string) service.ModelInfo {
		t.Helper()
		var out bytes.Buffer
		args := append([]string{"--data-dir", dir, "--no-progress"}, extra...)
		if err := runTrain(ctx, args, &out, io.Discard); err != nil {
			t.Fatalf("train %v: %v", extra, err)
		}
		var info service.ModelInfo
		if err := json.Unmarshal(out.Bytes(), &info); err != nil {
			t.Fatalf("train output %q: %v", out.String(), err)
		}
		return info
	}
	first := train()
	second := train()
	if first.Skipped || !second.Skipped || second.Version != first.Version || second.Reason == "" {
		t.Errorf("train twice: first %+v, second %+v; want the second skipped with a reason", first, second)
	}
	forced := train("--force")
	if forced.Skipped || forced.Version == first.Version {
		t.Errorf("train --force = %+v, want a new version", forced)
	}
	st, err := sqlite.Open(filepath.Join(dir, "recd.db"), sqlite.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if arts, err := st.ListArtifacts(ctx); err != nil || len(arts) != 2 {
		t.Errorf("versions saved = %d, %v; want 2", len(arts), err)
	}
}

// TestRunTrain_ReadsOnlyTheCatalog: `recd train` does not load the users' live histories (the
// training reads the events itself, and at 100M events the histories took 4.8 GB beside it),
// yet trains on every event, and writes no live snapshot that would describe none.
func TestRunTrain_ReadsOnlyTheCatalog(t *testing.T) {
	ctx := t.Context()
	evs := []recd.Event{{UserID: "u", ItemID: "a", Type: "view"}, {UserID: "u", ItemID: "b", Type: "like"},
		{UserID: "v", ItemID: "b", Type: "view"}, {UserID: "v", ItemID: "c", Type: "purchase"}}
	dir := trainDir(t, []string{"a", "b", "c"}, evs)

	var out, logs bytes.Buffer
	if err := runTrain(ctx, []string{"--data-dir", dir, "--no-progress", "--log-level", "info"}, &out, &logs); err != nil {
		t.Fatalf("train: %v\n%s", err, logs.String())
	}
	if !strings.Contains(logs.String(), `msg="loaded state" items=3 users=0`) || !strings.Contains(logs.String(), "catalog only") {
		t.Errorf("train's start loaded more than the catalog:\n%s", logs.String())
	}
	var info service.ModelInfo
	if err := json.Unmarshal(out.Bytes(), &info); err != nil {
		t.Fatalf("train output %q: %v", out.String(), err)
	}
	if info.Metrics["events"] != float64(len(evs)) || info.Metrics["users"] != 2 {
		t.Errorf("trained on %v events of %v users, want %d of 2", info.Metrics["events"], info.Metrics["users"], len(evs))
	}
	if _, err := os.Stat(filepath.Join(dir, "live.snapshot")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("train wrote a live snapshot (stat: %v); it loaded no histories to save", err)
	}
}
