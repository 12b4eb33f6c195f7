package sim

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/recd/recd"
	"github.com/recd/recd/client"
)

// CheckAttribution reads every simulated user's click events back from the server at c and
// compares them with the clicks the simulator sent: the same items, each with the list id and
// position it was sent with, and no other click.
func CheckAttribution(ctx context.Context, c *client.Client, t *Tally) error {
	want := map[string][]Click{}
	for _, cl := range t.Clicks {
		cl.Variant = ""
		want[cl.User] = append(want[cl.User], cl)
	}
	for user := range t.Assignment {
		var got []Click
		for e, err := range c.UserEvents(ctx, user, 1000) {
			if err != nil {
				return err
			}
			if e.Type != recd.EventClick {
				continue
			}
			if e.Position == nil {
				return fmt.Errorf("user %s: click on %s stored without a position", user, e.ItemID)
			}
			got = append(got, Click{User: user, Item: e.ItemID, RecommendationID: e.RecommendationID, Position: *e.Position})
		}
		sortClicks(got)
		w := want[user]
		sortClicks(w)
		if !slices.Equal(got, w) {
			return fmt.Errorf("user %s: the server holds clicks %v, the simulator sent %v", user, got, w)
		}
	}
	return nil
}

func sortClicks(cs []Click) {
	slices.SortFunc(cs, func(a, b Click) int {
		return cmp.Or(cmp.Compare(a.User, b.User), cmp.Compare(a.RecommendationID, b.RecommendationID),
			cmp.Compare(a.Position, b.Position))
	})
}

// CheckReport compares the server's report with the simulator's tally: per variant the same
// users, items shown and clicks. Under interleaving the per-variant lines are per-item credit,
// so the lists won, lost and tied and the users preferring either variant are compared instead.
func CheckReport(r *Report, t *Tally, interleaving bool) error {
	if interleaving {
		type counts struct{ Wins, Losses, Ties, Users, UserWins, UserLosses int }
		var got counts
		if il := r.Interleaving; il != nil {
			got = counts{il.Wins, il.Losses, il.Ties, il.Users, il.UserWins, il.UserLosses}
		}
		ti := t.Interleaved
		if want := (counts{ti.Wins, ti.Losses, ti.Ties, len(ti.PerUser), ti.UserWins, ti.UserLosses}); got != want {
			return fmt.Errorf("the report counts interleaved lists and users %+v, the simulator %+v", got, want)
		}
		return nil
	}
	for name, v := range t.Variants {
		rv := ReportVariant(r, name)
		if rv == nil {
			return fmt.Errorf("the report has no variant %q, the simulator saw %d users in it", name, v.Users)
		}
		if rv.Users != v.Users || rv.Clicks != v.Clicks || rv.Impressions != v.Impressions {
			return fmt.Errorf("variant %s: the report counts %d users, %d impressions, %d clicks; the simulator %d, %d, %d",
				name, rv.Users, rv.Impressions, rv.Clicks, v.Users, v.Impressions, v.Clicks)
		}
	}
	return nil
}

// SameOutcome checks that two runs of one seed saw the same thing: the same assignment, the
// same clicks at the same positions (list ids differ), the same tallies and, when both have
// one, the same report.
func SameOutcome(a, b *Outcome) error {
	if !maps.Equal(a.Tally.Assignment, b.Tally.Assignment) {
		return fmt.Errorf("assignments differ: %d and %d users", len(a.Tally.Assignment), len(b.Tally.Assignment))
	}
	ca, cb := stripIDs(a.Tally.Clicks), stripIDs(b.Tally.Clicks)
	if !slices.Equal(ca, cb) {
		return fmt.Errorf("clicks differ: %d and %d", len(ca), len(cb))
	}
	for name, v := range a.Tally.Variants {
		w := b.Tally.Variants[name]
		if w == nil || v.Users != w.Users || v.Lists != w.Lists || v.Impressions != w.Impressions || v.Clicks != w.Clicks {
			return fmt.Errorf("variant %q: tallies differ: %+v and %+v", name, *v, w)
		}
	}
	if a.Report == nil || b.Report == nil {
		return nil
	}
	for _, v := range a.Report.Variants {
		w := ReportVariant(b.Report, v.Name)
		if w == nil || v.Users != w.Users || v.Impressions != w.Impressions || v.Clicks != w.Clicks ||
			!near(v.CTR.Value, w.CTR.Value) || !closeP(v.PValue, w.PValue) {
			return fmt.Errorf("report variant %s differs: %+v and %+v", v.Name, v, w)
		}
	}
	if a.Report.SRM.OK != b.Report.SRM.OK || !near(a.Report.SRM.ChiSquare, b.Report.SRM.ChiSquare) {
		return fmt.Errorf("sample-ratio checks differ: %+v and %+v", a.Report.SRM, b.Report.SRM)
	}
	return nil
}

func stripIDs(cs []Click) []Click {
	out := slices.Clone(cs)
	for i := range out {
		out[i].RecommendationID = ""
	}
	slices.SortFunc(out, func(a, b Click) int {
		return cmp.Or(cmp.Compare(a.User, b.User), cmp.Compare(a.Item, b.Item), cmp.Compare(a.Position, b.Position))
	})
	return out
}

func near(a, b float64) bool {
	return a == b || math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b)) || (math.IsNaN(a) && math.IsNaN(b))
}

func closeP(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return near(*a, *b)
}
