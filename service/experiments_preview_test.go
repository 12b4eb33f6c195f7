package service

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/store"
)

// The preview ranks the user's list under each variant exactly as a request assigned to it
// would be served, and records nothing: no impression, no assignment.
func TestService_PreviewExperiment(t *testing.T) {
	s := openTrained(t, filepath.Join(t.TempDir(), "recd.db"), nil, "")
	ctx := t.Context()
	x := runningAB("preview", 1, 1)
	if _, _, err := s.PutExperiment(ctx, x); err != nil {
		t.Fatal(err)
	}
	p, err := s.PreviewExperiment(ctx, "preview", "u03", 8)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Variants) != 2 || p.Variants[0].Name != x.Variants[0].Name || p.Variants[1].Name != x.Variants[1].Name {
		t.Fatalf("preview variants = %+v, want %s and %s", p.Variants, x.Variants[0].Name, x.Variants[1].Name)
	}
	only := map[string]float64{"itemknn": 0, "ease": 0, "cf": 0, "content": 0, "session": 0}
	want, err := s.read.recommend(ctx, RecommendRequest{UserID: "u03", N: 8, Weights: only})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids(p.Variants[1].Items), ids(want.Items)) {
		t.Errorf("popular variant's preview %v, want the popular-only list %v", ids(p.Variants[1].Items), ids(want.Items))
	}
	if slices.Equal(ids(p.Variants[0].Items), ids(p.Variants[1].Items)) {
		t.Errorf("both variants previewed the same list %v", ids(p.Variants[0].Items))
	}
	if err := s.FlushImpressions(ctx); err != nil {
		t.Fatal(err)
	}
	n, err := impressionStore(t, s).DeleteUserImpressions(ctx, "u03")
	if err != nil || n != 0 {
		t.Errorf("the preview recorded %d impressions of u03 (err %v), want none", n, err)
	}
	if _, err := s.PreviewExperiment(ctx, "nope", "u03", 8); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("preview of an unknown experiment: err = %v, want ErrNotFound", err)
	}
	if _, err := s.PreviewExperiment(ctx, "preview", "u03", 0); !errors.Is(err, recd.ErrInvalid) {
		t.Errorf("preview with n 0: err = %v, want ErrInvalid", err)
	}
}
