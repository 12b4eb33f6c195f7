package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recd/recd/dataset"
	"github.com/recd/recd/examples"
	"github.com/recd/recd/internal/racetest"
	"github.com/recd/recd/sim"
)

func TestSimulatePrepare_WritesTheTrainingPart(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"simulate", "prepare", "--out", dir, "--items", "300", "--seed", "5"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	got, err := dataset.ReadMovieLens(dir)
	if err != nil {
		t.Fatal(err)
	}
	data, err := dataset.ReadMovieLensFS(examples.MovieLensSmall())
	if err != nil {
		t.Fatal(err)
	}
	o := sim.DefaultSplitOptions()
	o.Seed, o.MaxItems = 5, 300
	want, err := sim.NewSplit(data, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Items) != len(want.Items) || len(got.Events) != len(want.Train) {
		t.Fatalf("read back %d items and %d ratings, want %d and %d", len(got.Items), len(got.Events), len(want.Items), len(want.Train))
	}
	for i, e := range got.Events {
		w := want.Train[i]
		if e.UserID != w.UserID || e.ItemID != w.ItemID || e.Value != w.Value || !e.Timestamp.Equal(w.Timestamp) {
			t.Fatalf("rating %d = %+v, want %+v", i, e, w)
		}
		if want.HeldOut(e.UserID, e.ItemID) {
			t.Fatalf("held-out rating %s/%s was written to the training part", e.UserID, e.ItemID)
		}
	}
	for i, it := range got.Items {
		if w := want.Items[i]; it.ID != w.ID || it.Title != w.Title || strings.Join(it.Categories, "|") != strings.Join(w.Categories, "|") {
			t.Fatalf("movie %d = %+v, want %+v", i, it, w)
		}
	}
}

func TestSimulate_RunsAgainstItsOwnServer(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a server on MovieLens")
	}
	if racetest.Enabled {
		t.Skip(racetest.TrainMsg)
	}
	var out, errb bytes.Buffer
	args := []string{"simulate", "--items", "400", "--users", "20", "--visits", "2", "--seed", "3", "--no-progress"}
	if code := run(context.Background(), args, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"experiment sim-ab-20-3 (ab), 20 users", "popular", "hybrid", "simulator: lift"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// The debias mode runs end to end on its own server and prints the three variants, each
// served by its own version or the blend, and what weighted each version's labels: on 60
// lists too few are swapped, so the debiased version falls back to the logged curve.
func TestSimulate_DebiasRunsAgainstItsOwnServer(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a server and two versions on MovieLens")
	}
	if racetest.Enabled {
		t.Skip(racetest.TrainMsg)
	}
	var out, errb bytes.Buffer
	args := []string{"simulate", "--experiment", "debias", "--items", "400", "--users", "20", "--visits", "3", "--seed", "3", "--no-progress"}
	if code := run(context.Background(), args, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"logging phase: 20 users, 60 lists", "debiased version", "raw version",
		"experiment sim-debias-20-3 (control: debiased)", "true examination", "/blend:",
		"session source off", "propensities (logged, ", "propensities (none, "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "/fallback") {
		t.Errorf("a pinned variant fell back to the current model:\n%s", out.String())
	}
}

func TestSimulate_RejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--experiment", "abc"},
		{"--variants", "popular"},
		{"--variants", "popular,nosuch"},
		{"--users", "0"},
		{"--runs", "0"},
		{"--search", "50,20"},
		{"--level", "2"},
		{"--position-bias", "7"},
		{"--experiment", "debias"}, // it starts its own server: --server is refused
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), append([]string{"simulate", "--server", "http://127.0.0.1:1"}, args...), &out, &errb); code == 0 {
			t.Errorf("%v: exit 0, want an error", args)
		}
	}
}

// A generated data set splits like MovieLens: simulate prepare --data reads items.jsonl and
// events.jsonl, keeps the catalog with its categories and writes the training part without a
// held-out rating.
func TestSimulatePrepare_ReadsGeneratedData(t *testing.T) {
	dir := t.TempDir()
	gen, out := filepath.Join(dir, "gen"), filepath.Join(dir, "split")
	var stdout, errb bytes.Buffer
	if err := runGenerate(t.Context(), []string{"--events", "20000", "--seed", "2", "--out", gen, "--no-progress"}, &stdout, &errb); err != nil {
		t.Fatalf("generate: %v\n%s", err, errb.String())
	}
	if code := run(t.Context(), []string{"simulate", "prepare", "--data", gen, "--out", out, "--seed", "4"}, &stdout, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	data, err := readDataDir(gen)
	if err != nil {
		t.Fatal(err)
	}
	if len(data.Items) != 1000 || len(data.Events) != 20000 || len(data.Items[0].Categories) == 0 {
		t.Fatalf("read %d items (first %+v) and %d events, want 1000 with categories and 20000", len(data.Items), data.Items[0], len(data.Events))
	}
	o := sim.DefaultSplitOptions()
	o.Seed = 4
	want, err := sim.NewSplit(data, o)
	if err != nil {
		t.Fatal(err)
	}
	got, err := dataset.ReadMovieLens(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Users) < 50 || len(got.Items) != 1000 || len(got.Events) != len(want.Train) {
		t.Fatalf("%d simulated users; wrote %d items and %d ratings, want 1000 and %d", len(want.Users), len(got.Items), len(got.Events), len(want.Train))
	}
	for _, e := range got.Events {
		if want.HeldOut(e.UserID, e.ItemID) {
			t.Fatalf("held-out rating %s/%s was written to the training part", e.UserID, e.ItemID)
		}
	}
}

// --data is refused with the reason: a line that does not decode (named by file and line),
// and a data set without ratings, whose users have nothing to click.
func TestSimulate_DataRefused(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad")
	os.MkdirAll(bad, 0o755)
	os.WriteFile(filepath.Join(bad, "events.jsonl"), []byte(`{"user_id":"u1","item_id":"i1","type":"rating","value":4,"timestamp":"2020-01-01T00:00:00Z"}`+"\n{nope\n"), 0o644)
	implicit := filepath.Join(dir, "implicit")
	var stdout, errb bytes.Buffer
	if err := runGenerate(t.Context(), []string{"--preset", "large", "--events", "20000", "--out", implicit, "--no-progress"}, &stdout, &errb); err != nil {
		t.Fatalf("generate: %v\n%s", err, errb.String())
	}
	for _, tc := range []struct{ dir, want string }{
		{bad, "events.jsonl: line 2"},
		{implicit, "simulate needs ratings"},
		{filepath.Join(dir, "absent"), "no such file"},
	} {
		errb.Reset()
		if code := run(t.Context(), []string{"simulate", "prepare", "--data", tc.dir, "--out", filepath.Join(dir, "out")}, &stdout, &errb); code == 0 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("--data %s: exit %d, %q; want an error naming %q", filepath.Base(tc.dir), code, errb.String(), tc.want)
		}
	}
}

func TestParseSourceWeights(t *testing.T) {
	got, err := parseSourceWeights("popular=4, ease=0.5")
	if err != nil || len(got) != 2 || got["popular"] != 4 || got["ease"] != 0.5 {
		t.Fatalf("parse = %v, %v", got, err)
	}
	for _, bad := range []string{"popular", "=1", "ease=x", "ease=1,"} {
		if _, err := parseSourceWeights(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
