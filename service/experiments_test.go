package service

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/experiment"
)

// runningAB is an A/B experiment running now: control against a popular-only variant.
func runningAB(id string, weights ...float64) experiment.Experiment {
	now := time.Now()
	if len(weights) == 0 {
		weights = []float64{50, 50}
	}
	return experiment.Experiment{ID: id, Start: now.Add(-time.Hour), End: now.Add(time.Hour),
		Variants: []experiment.Variant{{Name: "control", Weight: weights[0]},
			{Name: "popular", Weight: weights[1], Overrides: experiment.Overrides{"sources": json.RawMessage(`["popular"]`)}}}}
}

// Two replicas on one store assign every user the same variant, the one the hash gives, once
// the second has reread the definitions.
func TestService_Experiment_AssignmentSameOnReplicas(t *testing.T) {
	db := filepath.Join(t.TempDir(), "recd.db")
	a := openTrained(t, db, nil, "")
	b := openTrained(t, db, nil, "")
	ctx := t.Context()
	x := runningAB("split")
	info, created, err := a.PutExperiment(ctx, x)
	if err != nil || !created || info.Status != experiment.StatusRunning {
		t.Fatalf("PutExperiment = %+v, %v, %v; want a new running experiment", info, created, err)
	}
	if r, _ := b.Recommend(ctx, RecommendRequest{UserID: "u01", N: 5}); r.Experiment != "" {
		t.Fatalf("replica b served experiment %q before rereading the definitions", r.Experiment)
	}
	if err := b.RefreshExperiments(ctx); err != nil {
		t.Fatal(err)
	}
	x.Normalize()
	seen := map[string]int{}
	for u := range 20 {
		req := RecommendRequest{UserID: fmt.Sprintf("u%02d", u), N: 5}
		ra, err := a.Recommend(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		rb, err := b.Recommend(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		want := x.Variants[x.Assign(req.UserID)].Name
		if ra.Experiment != "split" || rb.Experiment != "split" || ra.Variant != want || rb.Variant != want {
			t.Errorf("%s: replica a served %s/%s, b %s/%s, want split/%s", req.UserID, ra.Experiment, ra.Variant,
				rb.Experiment, rb.Variant, want)
		}
		seen[want]++
	}
	if len(seen) != 2 {
		t.Errorf("20 users fell into %v: want both variants used", seen)
	}
	// A request with context items alone has no unit: it is served outside the experiment.
	if r, err := a.Recommend(ctx, RecommendRequest{ContextItems: []string{"i01"}, N: 5}); err != nil || r.Experiment != "" {
		t.Errorf("a request without user or session was served under %q (%v)", r.Experiment, err)
	}
	if err := a.DeleteExperiment(ctx, "split"); err != nil {
		t.Fatal(err)
	}
	if r, _ := a.Recommend(ctx, RecommendRequest{UserID: "u01", N: 5}); r.Experiment != "" {
		t.Errorf("a deleted experiment is still served (%q)", r.Experiment)
	}
}

// A variant's overrides change the list it serves, the experiment's overrides win over the
// request's own knobs, and the answer and its impression name the experiment and variant.
func TestService_Experiment_OverridesChangeTheList(t *testing.T) {
	s := openTrained(t, filepath.Join(t.TempDir(), "recd.db"), nil, "")
	ctx := t.Context()
	req := RecommendRequest{UserID: "u03", N: 8}
	plain, err := s.Recommend(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	x := runningAB("all-popular", 0, 1) // every unit gets the popular-only variant
	x.Variants[1].Overrides["diversity"] = json.RawMessage(`0`)
	if _, _, err := s.PutExperiment(ctx, x); err != nil {
		t.Fatal(err)
	}
	req.Diversity = ptr(0.9) // the variant's diversity 0 wins
	got, err := s.Recommend(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if got.Experiment != "all-popular" || got.Variant != "popular" {
		t.Fatalf("served under %q/%q, want all-popular/popular", got.Experiment, got.Variant)
	}
	only := map[string]float64{"itemknn": 0, "ease": 0, "cf": 0, "content": 0, "session": 0}
	want, err := s.read.recommend(ctx, RecommendRequest{UserID: "u03", N: 8, Weights: only, Diversity: ptr(0.0)})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids(got.Items), ids(want.Items)) {
		t.Errorf("variant list %v, want the popular-only list %v", ids(got.Items), ids(want.Items))
	}
	if slices.Equal(ids(got.Items), ids(plain.Items)) {
		t.Errorf("the popular-only variant served the default list %v", ids(plain.Items))
	}
	if err := s.FlushImpressions(ctx); err != nil {
		t.Fatal(err)
	}
	im, err := impressionStore(t, s).GetImpression(ctx, got.RecommendationID)
	if err != nil {
		t.Fatal(err)
	}
	if im.Experiment != "all-popular" || im.Variant != "popular" || len(im.Items) != len(got.Items) {
		t.Errorf("impression = %+v, want experiment all-popular, variant popular, %d items", im, len(got.Items))
	}
}

// An interleaved list merges both variants' lists: each item names the variant that placed
// it, comes from that variant's list, and the impression keeps the same credit per item.
func TestService_Experiment_InterleavedCredits(t *testing.T) {
	s := openTrained(t, filepath.Join(t.TempDir(), "recd.db"), nil, "")
	ctx := t.Context()
	x := runningAB("mix")
	x.Design = experiment.DesignInterleaving
	if _, _, err := s.PutExperiment(ctx, x); err != nil {
		t.Fatal(err)
	}
	cur := s.exps.current()
	credited := map[string]int{}
	for u := range 10 {
		req := RecommendRequest{UserID: fmt.Sprintf("u%02d", u), N: 10}
		got, err := s.Recommend(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if got.Experiment != "mix" || got.Variant != experiment.Interleaved {
			t.Fatalf("served under %q/%q, want mix/interleaved", got.Experiment, got.Variant)
		}
		var lists [2][]string
		for i := range lists {
			r, err := s.read.recommend(ctx, cur.withKnobs(req, i))
			if err != nil {
				t.Fatal(err)
			}
			lists[i] = ids(r.Items)
		}
		if len(got.Items) != req.N {
			t.Fatalf("%d items, want %d", len(got.Items), req.N)
		}
		for _, it := range got.Items {
			_, team := x.Variant(it.Variant)
			if team < 0 || !slices.Contains(lists[team], it.ID) {
				t.Errorf("%s credited to %q, whose list %v lacks it", it.ID, it.Variant, lists[max(team, 0)])
			}
			credited[it.Variant]++
		}
		if err := s.FlushImpressions(ctx); err != nil {
			t.Fatal(err)
		}
		im, err := impressionStore(t, s).GetImpression(ctx, got.RecommendationID)
		if err != nil {
			t.Fatal(err)
		}
		if im.Variant != experiment.Interleaved || im.Experiment != "mix" {
			t.Errorf("impression under %q/%q", im.Experiment, im.Variant)
		}
		for i, it := range im.Items {
			if it.ItemID != got.Items[i].ID || it.Variant != got.Items[i].Variant {
				t.Errorf("impression item %d = %+v, served %+v", i, it, got.Items[i])
			}
		}
	}
	if credited["control"] == 0 || credited["popular"] == 0 {
		t.Errorf("credits %v: want both variants placing items", credited)
	}
}

// An experiment overlapping one not yet finished is refused naming start, and nothing is
// stored; so is a 33rd experiment, naming id.
func TestService_PutExperiment_Refusals(t *testing.T) {
	s := openTrained(t, filepath.Join(t.TempDir(), "recd.db"), nil, "")
	ctx := t.Context()
	if _, _, err := s.PutExperiment(ctx, runningAB("first")); err != nil {
		t.Fatal(err)
	}
	_, _, err := s.PutExperiment(ctx, runningAB("second"))
	var fe *recd.FieldError
	if !errors.As(err, &fe) || fe.Field != "start" {
		t.Fatalf("overlapping experiment: err = %v, want a field error on start", err)
	}
	if _, err := s.GetExperiment(ctx, "second"); !errors.Is(err, recd.ErrNotFound) {
		t.Errorf("a refused experiment was stored (%v)", err)
	}
	// Replacing the same id is no overlap; finished experiments do not block.
	if _, created, err := s.PutExperiment(ctx, runningAB("first")); err != nil || created {
		t.Fatalf("replace: created %v, err %v", created, err)
	}
	for i := range experiment.MaxStored - 1 {
		old := runningAB(fmt.Sprintf("old-%02d", i))
		old.Start, old.End = time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour)
		if _, _, err := s.PutExperiment(ctx, old); err != nil {
			t.Fatal(err)
		}
	}
	extra := runningAB("extra")
	extra.Start, extra.End = time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour)
	if _, _, err := s.PutExperiment(ctx, extra); !errors.As(err, &fe) || fe.Field != "id" {
		t.Errorf("33rd experiment: err = %v, want a field error on id", err)
	}
	list, err := s.ListExperiments(ctx)
	if err != nil || len(list) != experiment.MaxStored {
		t.Errorf("ListExperiments = %d experiments (%v), want %d", len(list), err, experiment.MaxStored)
	}
}

// Requests served while experiments are written and reread see either no experiment or a
// whole one: run with -race.
func TestService_Experiment_ServedWhileRewritten(t *testing.T) {
	s := openTrained(t, filepath.Join(t.TempDir(), "recd.db"), nil, "")
	ctx := t.Context()
	done := make(chan struct{})
	errs := make(chan error, 4)
	for w := range 3 {
		go func() {
			for i := 0; ; i++ {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				r, err := s.Recommend(ctx, RecommendRequest{UserID: fmt.Sprintf("u%02d", (w*7+i)%20), N: 5})
				if err == nil && r.Experiment != "" && r.Experiment != "flip" {
					err = fmt.Errorf("served under %q", r.Experiment)
				}
				if err == nil && r.Experiment == "flip" && r.Variant != "control" && r.Variant != "popular" && r.Variant != experiment.Interleaved {
					err = fmt.Errorf("variant %q", r.Variant)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := range 20 {
		x := runningAB("flip")
		if i%3 == 2 {
			x.Design = experiment.DesignInterleaving
		}
		if _, _, err := s.PutExperiment(ctx, x); err != nil {
			t.Fatal(err)
		}
		if err := s.RefreshExperiments(ctx); err != nil {
			t.Fatal(err)
		}
		if i%2 == 1 {
			if err := s.DeleteExperiment(ctx, "flip"); err != nil {
				t.Fatal(err)
			}
		}
	}
	close(done)
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
