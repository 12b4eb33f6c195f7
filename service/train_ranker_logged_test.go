package service

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/gbdt"
	"github.com/recd/recd/rank"
)

// TestTrainer_LoggedDataset serves lists with their feature rows logged, clicks some of them
// at known positions, and checks the training set the trainer reads back: one group per
// clicked list with the logged rows, grade 1 at the clicked position, and each click weighed
// by the inverse of its position's propensity from the position-CTR curve of those lists.
func TestTrainer_LoggedDataset(t *testing.T) {
	ctx := t.Context()
	s := openTrained(t, filepath.Join(t.TempDir(), "recd.db"), nil, "", withLoggedFeatures(t))
	noSession := 0.0
	var served []rank.Response
	for u := range 12 {
		resp, err := s.Recommend(ctx, RecommendRequest{UserID: fmt.Sprintf("u%02d", u), N: 5, SessionWeight: &noSession})
		if err != nil || resp.RankerFallback != "" || len(resp.Items) != 5 {
			t.Fatalf("u%02d: err %v, fallback %q, %d items", u, err, resp.RankerFallback, len(resp.Items))
		}
		served = append(served, resp)
	}
	// Users 0-7 click position u%5 once: positions 0-2 get two clicks each over 12 lists,
	// 3 and 4 one, so the propensities are 1, 1, 1, 0.5, 0.5. Users 8-11 click nothing.
	var evs []recd.Event
	for u := range 8 {
		pos := u % 5
		evs = append(evs, recd.Event{UserID: fmt.Sprintf("u%02d", u), ItemID: served[u].Items[pos].ID, Type: recd.EventClick,
			Timestamp: time.Now().UTC(), RecommendationID: served[u].RecommendationID, Position: &pos})
	}
	if _, err := s.AddEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if err := s.FlushImpressions(ctx); err != nil {
		t.Fatal(err)
	}
	names := rank.NewFeatureSet(s.opts.Ranker.Features).Names
	d, prop, err := s.trainer.loggedDataset(ctx, names)
	if err != nil {
		t.Fatal(err)
	}
	if prop.Source != PropensityLogged || prop.SwappedLists != 0 {
		t.Errorf("propensities %+v, want the logged curve's (no list swapped)", prop)
	}
	if len(d.Group) != 8 || len(d.Label) != 40 || len(d.Weight) != 40 || !slices.Equal(d.Names, names) {
		t.Fatalf("%d groups, %d rows, %d weights, want 8 clicked lists of 5", len(d.Group), len(d.Label), len(d.Weight))
	}
	nf := len(names)
	for u := range 8 {
		stored, err := s.read.imp.st.GetImpression(ctx, served[u].RecommendationID)
		if err != nil {
			t.Fatal(err)
		}
		for pos := range 5 {
			row := u*5 + pos
			wantLabel, wantWeight := float32(0), float32(1)
			if pos == u%5 {
				wantLabel = 1
				if pos >= 3 {
					wantWeight = 2
				}
			}
			if d.Label[row] != wantLabel || d.Weight[row] != wantWeight {
				t.Errorf("list %d position %d: label %v weight %v, want %v %v", u, pos, d.Label[row], d.Weight[row], wantLabel, wantWeight)
			}
			if !slices.Equal(d.X[row*nf:(row+1)*nf], stored.Features.Rows[pos]) {
				t.Errorf("list %d position %d: the row is not the logged one", u, pos)
			}
		}
	}
	// ranker.debias false: the same lists and labels, every row weighing 1.
	s.trainer.opts.Ranker.Debias = false
	raw, prop, err := s.trainer.loggedDataset(ctx, names)
	if err != nil {
		t.Fatal(err)
	}
	if prop.Source != PropensityNone || prop.Propensities != nil {
		t.Errorf("propensities without debiasing %+v, want none", prop)
	}
	if raw.Weight != nil || !slices.Equal(raw.Label, d.Label) || !slices.Equal(raw.Group, d.Group) || !slices.Equal(raw.X, d.X) {
		t.Errorf("without debiasing: %d weights, labels equal %v, groups equal %v; want no weights and the same lists",
			len(raw.Weight), slices.Equal(raw.Label, d.Label), slices.Equal(raw.Group, d.Group))
	}
}

// TestWithLogged checks the label choice: offline keeps the offline groups, online takes the
// logged lists', both puts them in one set with the offline rows weighing 1.
func TestWithLogged(t *testing.T) {
	off := &gbdt.Dataset{NumFeatures: 1, X: []float32{1, 2, 3}, Label: []float32{1, 0, 0}, Group: []int{3}}
	on := onlineDataset([]loggedList{{X: []float32{4, 5}, Grades: []float32{0, 1}}}, []string{"f"}, []float64{1, 0.25})
	if got := withLogged(off, on, LabelsOffline); got != off {
		t.Error("offline labels did not keep the offline set")
	}
	if got := withLogged(off, on, LabelsOnline); got != on {
		t.Error("online labels did not take the logged set")
	}
	both := withLogged(off, on, LabelsBoth)
	if !slices.Equal(both.X, []float32{1, 2, 3, 4, 5}) || !slices.Equal(both.Label, []float32{1, 0, 0, 0, 1}) ||
		!slices.Equal(both.Group, []int{3, 2}) || !slices.Equal(both.Weight, []float32{1, 1, 1, 1, 4}) {
		t.Fatalf("both: %+v", both)
	}
	if len(off.X) != 3 || off.Weight != nil {
		t.Error("merging changed the offline set")
	}
}
