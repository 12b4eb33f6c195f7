package service

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/experiment"
	"github.com/recd/recd/store"
)

// seedLists stores, for users of x, one list of 10 catalog items each, served under the
// variant the hash assigns them (under interleaving, alternating credit), and clicks each
// item with the probability click gives for the variant credited with it. Seeded.
func seedLists(t *testing.T, s *Service, x experiment.Experiment, users int, seed uint64, click func(variant string) float64) {
	t.Helper()
	ctx := t.Context()
	rng := rand.New(rand.NewPCG(seed, 1))
	at := time.Now().Add(-30 * time.Minute).UTC()
	var ims []store.Impression
	var evs []recd.Event
	for u := range users {
		user := fmt.Sprintf("%s-user-%03d", x.ID, u)
		im := store.Impression{ID: newRecommendationID(at), UserID: user, Route: RouteRecommend, Strategy: "hybrid",
			Experiment: x.ID, Time: at}
		if x.Design == experiment.DesignInterleaving {
			im.Variant = experiment.Interleaved
		} else {
			im.Variant = x.Variants[x.Assign(user)].Name
		}
		for p, i := range rng.Perm(40)[:10] {
			it := store.ImpressionItem{ItemID: fmt.Sprintf("i%02d", i), Position: p, Score: 1}
			credit := im.Variant
			if x.Design == experiment.DesignInterleaving {
				it.Variant = x.Variants[(p+u)%2].Name
				credit = it.Variant
			}
			im.Items = append(im.Items, it)
			if rng.Float64() < click(credit) {
				pos := p
				evs = append(evs, recd.Event{UserID: user, ItemID: it.ItemID, Type: recd.EventClick,
					Timestamp: at.Add(time.Minute), RecommendationID: im.ID, Position: &pos})
			}
		}
		ims = append(ims, im)
	}
	if err := impressionStore(t, s).PutImpressions(ctx, ims); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
}

func reportOf(t *testing.T, s *Service, x experiment.Experiment) experiment.Report {
	t.Helper()
	ctx := t.Context()
	if _, _, err := s.PutExperiment(ctx, x); err != nil {
		t.Fatal(err)
	}
	r, err := s.ExperimentReport(ctx, x.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteExperiment(context.WithoutCancel(ctx), x.ID); err != nil {
		t.Fatal(err)
	}
	return r
}

// A report over seeded lists and clicks finds a known difference significant, and an A/A
// split not; an interleaving report finds the variant whose items get more clicks preferred.
func TestService_ExperimentReport_SeededLists(t *testing.T) {
	s := openTrained(t, filepath.Join(t.TempDir(), "recd.db"), nil, "")
	ab := runningAB("ab")
	seedLists(t, s, ab, 400, 7, func(v string) float64 { return map[string]float64{"control": 0.05, "popular": 0.15}[v] })
	r := reportOf(t, s, ab)
	t.Logf("A/B report: %+v", r)
	if len(r.Variants) != 2 || r.Variants[0].Users+r.Variants[1].Users != 400 || !r.SRM.OK || !r.Conclusive {
		t.Fatalf("A/B report %+v: want 400 users over two variants, SRM ok, conclusive", r)
	}
	if p := r.Variants[1].PValue; p == nil || *p >= 0.01 || r.Variants[1].Lift.Low <= 0 {
		t.Errorf("A/B with CTR 0.05 against 0.15: p %v, lift %+v; want p < 0.01 and a positive lift", p, r.Variants[1].Lift)
	}
	if c := r.Variants[0]; c.Impressions != 10*c.Users || c.Clicks == 0 {
		t.Errorf("control %+v: want 10 impressions per user and some clicks", c)
	}

	aa := runningAB("aa")
	seedLists(t, s, aa, 400, 8, func(string) float64 { return 0.1 })
	r = reportOf(t, s, aa)
	if p := r.Variants[1].PValue; p == nil || *p < 0.05 {
		t.Errorf("A/A: p = %v, want no significant difference", p)
	}

	il := runningAB("il")
	il.Design = experiment.DesignInterleaving
	seedLists(t, s, il, 300, 9, func(v string) float64 { return map[string]float64{"control": 0.05, "popular": 0.2}[v] })
	r = reportOf(t, s, il)
	if r.Interleaving == nil || r.Interleaving.PreferenceShare >= 0.5 || r.Interleaving.PValue >= 0.01 || !r.SRM.OK {
		t.Errorf("interleaving report %+v (%+v): want the second variant preferred, p < 0.01", r, r.Interleaving)
	}
	if r.Interleaving != nil && (r.Interleaving.Users != 300 || r.Interleaving.Difference.High >= 0) {
		t.Errorf("interleaving %+v: want 300 users, a difference below 0 for the first variant", r.Interleaving)
	}
	if v := r.Variants[0]; v.Impressions != 5*300 || v.Users != 300 {
		t.Errorf("control placed %d items for %d users, want 1500 for 300", v.Impressions, v.Users)
	}
}

// Assignments are computed, not stored: once a user is deleted, with their lists and events,
// a report no longer counts them.
func TestService_ExperimentReport_ForgetsDeletedUsers(t *testing.T) {
	s := openTrained(t, filepath.Join(t.TempDir(), "recd.db"), nil, "")
	ctx := t.Context()
	x := runningAB("gone")
	seedLists(t, s, x, 20, 3, func(string) float64 { return 0.5 })
	if _, _, err := s.PutExperiment(ctx, x); err != nil {
		t.Fatal(err)
	}
	count := func() (users, clicks int) {
		r, err := s.ExperimentReport(ctx, x.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range r.Variants {
			users += v.Users
			clicks += v.Clicks
		}
		return users, clicks
	}
	users, clicks := count()
	if users != 20 || clicks == 0 {
		t.Fatalf("report counts %d users and %d clicks, want 20 users and some clicks", users, clicks)
	}
	if err := s.DeleteUser(ctx, "gone-user-007"); err != nil {
		t.Fatal(err)
	}
	if u, c := count(); u != 19 || c >= clicks {
		t.Errorf("after deleting a user the report counts %d users and %d clicks, want 19 and fewer than %d", u, c, clicks)
	}
}
