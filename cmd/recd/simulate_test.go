package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/recd/recd/dataset"
	"github.com/recd/recd/examples"
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
		{"--experiment", "debias"}, // it starts its own server: --server is refused
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), append([]string{"simulate", "--server", "http://127.0.0.1:1"}, args...), &out, &errb); code == 0 {
			t.Errorf("%v: exit 0, want an error", args)
		}
	}
}
