package service

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/experiment"
	"github.com/recd/recd/index/hnsw"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/store"
)

// pinExperiment runs now with two equal variants: control without overrides and "other" with
// the given overrides (a JSON object).
func pinExperiment(id, other string) experiment.Experiment {
	var o experiment.Overrides
	if err := json.Unmarshal([]byte(other), &o); err != nil {
		panic(err)
	}
	now := time.Now()
	return experiment.Experiment{ID: id, Start: now.Add(-time.Hour), End: now.Add(time.Hour),
		Variants: []experiment.Variant{{Name: "control", Weight: 1}, {Name: "other", Weight: 1, Overrides: o}}}
}

// served is what a service answers for users u000..u039 by their variant.
func servedBy(t *testing.T, s *Service) map[string]rank.Response {
	t.Helper()
	out := map[string]rank.Response{}
	for u := range 40 {
		user := fmt.Sprintf("u%03d", u)
		r, err := s.Recommend(t.Context(), RecommendRequest{UserID: user, N: 10})
		if err != nil {
			t.Fatal(err)
		}
		out[user] = r
	}
	return out
}

// A variant with "ranker": false is served by the blend, its lists exactly those of a service
// with the ranker off over the same models; the control variant is served by the ranker.
func TestService_Experiment_RankerOff(t *testing.T) {
	db := filepath.Join(t.TempDir(), "recd.db")
	s := openRanked(t, db, true)
	if s.snap.Load().models.Ranker == nil {
		t.Fatal("fixture: the ranker does not serve")
	}
	off := reopenRanked(t, db, func(o *Options) { o.Ranker.Enabled = false })
	if _, _, err := s.PutExperiment(t.Context(), pinExperiment("blend-ab", `{"ranker": false}`)); err != nil {
		t.Fatal(err)
	}
	differ, seen := 0, map[string]int{}
	for user, got := range servedBy(t, s) {
		seen[got.Variant]++
		blend, err := off.Recommend(t.Context(), RecommendRequest{UserID: user, N: 10})
		if err != nil {
			t.Fatal(err)
		}
		if blend.Scorer != rank.ScorerBlend {
			t.Fatalf("the ranker-off service scored by %q", blend.Scorer)
		}
		switch got.Variant {
		case "other":
			if got.Scorer != rank.ScorerBlend || !slices.Equal(ids(got.Items), ids(blend.Items)) {
				t.Errorf("%s in the ranker-off variant: scorer %q, %v; want the blend's %v", user, got.Scorer,
					ids(got.Items), ids(blend.Items))
			}
		case "control":
			if got.Scorer != rank.ScorerRanker {
				t.Errorf("%s in control: scorer %q, want the ranker", user, got.Scorer)
			}
			if !slices.Equal(ids(got.Items), ids(blend.Items)) {
				differ++
			}
		default:
			t.Fatalf("%s served under variant %q", user, got.Variant)
		}
	}
	if seen["control"] == 0 || seen["other"] == 0 || differ == 0 {
		t.Errorf("variants %v, %d control lists differ from the blend's: want both used and the ranker to matter", seen, differ)
	}
}

// reopenRanked opens the ranker fixture's saved model over db with changed options.
func reopenRanked(t *testing.T, db string, change func(*Options)) *Service {
	t.Helper()
	idx, err := hnsw.New(hnsw.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	o := DefaultOptions()
	o.Index, o.ALS.Factors, o.ALS.Iterations, o.LSA.Dim = idx, 8, 2, 8
	change(&o)
	s, err := New(t.Context(), openSQLite(t, db), o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// pinnedFixture trains the ranker fixture (version old, ranker serving), then saves the same
// sources without their ranker as the newest version and opens two replicas over the store,
// which serve that newest version (the blend).
func pinnedFixture(t *testing.T) (old string, a, b, trained *Service) {
	t.Helper()
	db := filepath.Join(t.TempDir(), "recd.db")
	trained = openRanked(t, db, true)
	art, err := trained.st.LatestArtifact(t.Context(), artifactKind)
	if err != nil {
		t.Fatal(err)
	}
	resave(t, trained.st, art, func(bd *bundle) { bd.Ranker, bd.RankerInfo = nil, nil })
	a, b = openRanked(t, db, false), openRanked(t, db, false)
	if v := a.snap.Load().info.Version; v == art.Version || a.snap.Load().models.Ranker != nil {
		t.Fatalf("fixture: the replicas serve %s (ranker %v), want the newer blend-only version", v, a.snap.Load().models.Ranker != nil)
	}
	return art.Version, a, b, trained
}

// A variant pinned to an older version is served by that version's models and ranker while
// control gets the current one; answers and impressions carry the version served, and two
// replicas over one store serve every user the same list.
func TestService_Experiment_PinnedVersion(t *testing.T) {
	old, a, b, ref := pinnedFixture(t) // ref still serves the old version as its current one
	ctx := t.Context()
	cur := a.snap.Load().info.Version
	x := pinExperiment("pin", fmt.Sprintf(`{"model_version": %q}`, old))
	if _, _, err := a.PutExperiment(ctx, x); err != nil {
		t.Fatal(err)
	}
	if err := b.RefreshExperiments(ctx); err != nil {
		t.Fatal(err)
	}
	a.exps.pins.wait()
	b.exps.pins.wait()
	gotA, gotB := servedBy(t, a), servedBy(t, b)
	seen := map[string]int{}
	for user, r := range gotA {
		seen[r.Variant]++
		if rb := gotB[user]; rb.Variant != r.Variant || rb.ModelVersion != r.ModelVersion || !slices.Equal(ids(rb.Items), ids(r.Items)) {
			t.Errorf("%s: replica a served %s/%s %v, b %s/%s %v", user, r.Variant, r.ModelVersion, ids(r.Items),
				rb.Variant, rb.ModelVersion, ids(rb.Items))
		}
		want, wantScorer := cur, rank.ScorerBlend
		if r.Variant == "other" {
			want, wantScorer = old, rank.ScorerRanker
			exp, err := ref.Recommend(ctx, RecommendRequest{UserID: user, N: 10})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(r.Items), ids(exp.Items)) {
				t.Errorf("%s pinned to %s: %v, want that version's list %v", user, old, ids(r.Items), ids(exp.Items))
			}
		}
		if r.ModelVersion != want || r.Scorer != wantScorer || r.ModelFallback != "" {
			t.Errorf("%s in %s: version %s scorer %s (fallback %q), want %s by %s", user, r.Variant, r.ModelVersion,
				r.Scorer, r.ModelFallback, want, wantScorer)
		}
	}
	if seen["control"] == 0 || seen["other"] == 0 {
		t.Fatalf("variants %v: want both used", seen)
	}
	// The operator's preview shows each variant's list as its version ranks it.
	pv, err := a.PreviewExperiment(ctx, "pin", "u007", 10)
	if err != nil {
		t.Fatal(err)
	}
	exp, err := ref.Recommend(ctx, RecommendRequest{UserID: "u007", N: 10})
	if err != nil {
		t.Fatal(err)
	}
	if o := pv.Variants[1]; o.ModelVersion != old || o.Scorer != rank.ScorerRanker || o.ModelFallback != "" ||
		!slices.Equal(ids(o.Items), ids(exp.Items)) {
		t.Errorf("preview of the pinned variant: %s by %s (%q) %v, want %s's list %v", o.ModelVersion, o.Scorer,
			o.ModelFallback, ids(o.Items), old, ids(exp.Items))
	}
	if c := pv.Variants[0]; c.ModelVersion != cur || c.Scorer != rank.ScorerBlend {
		t.Errorf("preview of control: %s by %s, want %s by the blend", c.ModelVersion, c.Scorer, cur)
	}
	if err := a.FlushImpressions(ctx); err != nil {
		t.Fatal(err)
	}
	for _, r := range gotA {
		im, err := impressionStore(t, a).GetImpression(ctx, r.RecommendationID)
		if err != nil {
			t.Fatal(err)
		}
		if im.ModelVersion != r.ModelVersion || im.Variant != r.Variant {
			t.Errorf("impression %s: version %s variant %s, want %s %s", im.ID, im.ModelVersion, im.Variant, r.ModelVersion, r.Variant)
		}
	}
	// The pinned version survives pruning to one kept version while the experiment is stored.
	a.trainer.opts.KeepVersions = 1
	a.prune(ctx)
	if _, err := a.st.LoadArtifact(ctx, old); err != nil {
		t.Errorf("the pinned version was pruned: %v", err)
	}
}

// A pinned version that is not saved is refused at PUT, naming the override, and nothing is
// stored; one pruned after the PUT falls back to the current model and the answer says so.
func TestService_Experiment_PinnedVersionMissing(t *testing.T) {
	old, a, _, _ := pinnedFixture(t)
	ctx := t.Context()
	x := pinExperiment("pin", `{"model_version": "19990101T000000.000000Z"}`)
	_, _, err := a.PutExperiment(ctx, x)
	var fe *recd.FieldError
	if !errors.As(err, &fe) || fe.Field != "variants[1].overrides.model_version" {
		t.Fatalf("PutExperiment with an unsaved version = %v, want a field error on variants[1].overrides.model_version", err)
	}
	if _, err := a.GetExperiment(ctx, "pin"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the refused experiment was stored (%v)", err)
	}
	x = pinExperiment("pin", fmt.Sprintf(`{"model_version": %q}`, old))
	if _, _, err := a.PutExperiment(ctx, x); err != nil {
		t.Fatal(err)
	}
	a.exps.pins.wait()
	if err := a.st.DeleteArtifact(ctx, old); err != nil {
		t.Fatal(err)
	}
	a.exps.pins.want(nil) // the experiment ends: the version is dropped
	if err := a.RefreshExperiments(ctx); err != nil {
		t.Fatal(err)
	}
	a.exps.pins.wait()
	fell := 0
	for _, r := range servedBy(t, a) {
		if r.Variant != "other" {
			continue
		}
		fell++
		if r.ModelVersion != a.snap.Load().info.Version || !strings.Contains(r.ModelFallback, old) {
			t.Errorf("pruned pin: version %s, fallback %q; want the current version and a fallback naming %s",
				r.ModelVersion, r.ModelFallback, old)
		}
	}
	if fell == 0 {
		t.Fatal("no user in the pinned variant")
	}
}
