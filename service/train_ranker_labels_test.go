package service

import (
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/dataset"
	"github.com/recd/recd/eval"
	"github.com/recd/recd/model"
	"github.com/recd/recd/rank"
)

// labelEvents is the bundled ratings in Seq order as the store gives them to a training run,
// with a few more events that the ratings lack: repeated events on a pair (a click after the
// rating, at the rating's time or later), a dislike, and events without a time.
func labelEvents(t *testing.T) []recd.Event {
	t.Helper()
	data, err := dataset.ReadMovieLens("../examples/ml-latest-small")
	if err != nil {
		t.Skip("bundled MovieLens data not found: ", err)
	}
	var evs []recd.Event
	for k, e := range data.Events {
		evs = append(evs, e)
		switch k % 97 {
		case 3:
			evs = append(evs, recd.Event{UserID: e.UserID, ItemID: e.ItemID, Type: recd.EventClick, Timestamp: e.Timestamp})
		case 5:
			evs = append(evs, recd.Event{UserID: e.UserID, ItemID: e.ItemID, Type: recd.EventDislike, Timestamp: e.Timestamp.Add(-time.Hour)})
		case 7:
			evs = append(evs, recd.Event{UserID: e.UserID, ItemID: e.ItemID, Type: recd.EventView})
		}
	}
	for k := range evs {
		evs[k].Seq = int64(k + 1)
	}
	return evs
}

// compactOf reads events as a training run does: into a dataset and its compact events.
func compactOf(evs []recd.Event, w model.Weights) (*trainEvents, *model.Dataset) {
	b := model.NewBuilder(w)
	te := newTrainEvents(0)
	for _, e := range evs {
		u, i := b.AddIndex(e)
		te.add(u, i, e)
	}
	return te, b.Build()
}

// TestLabelSplit_AgreesWithEval checks that the ranker's label split on the compact events
// gives what eval's splits give on the events themselves, for both kinds of split: the same
// held-out items per user, the same training events in the same order (so the label
// pipeline's sources are fitted on exactly the same input), the same label histories as
// aggregating eval's training events, and the same item times.
func TestLabelSplit_AgreesWithEval(t *testing.T) {
	evs := labelEvents(t)
	w := model.DefaultWeights()
	te, d := compactOf(evs, w)
	by := te.byUser(len(d.Users))
	for _, tc := range []struct {
		name  string
		o     RankerOptions
		split func() (*eval.Split, error)
	}{
		{"user-time", RankerOptions{LabelSplit: LabelSplitUserTime, Holdout: 0.2}, func() (*eval.Split, error) { return eval.UserTimeSplit(evs, 0.2) }},
		{"random", RankerOptions{LabelSplit: LabelSplitRandom, Holdout: 0.3, Seed: 7}, func() (*eval.Split, error) { return eval.RandomSplit(evs, 0.3, 7) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, err := tc.split()
			if err != nil {
				t.Fatal(err)
			}
			got, err := labelSplit(te, by, d, tc.o)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.test, want.Test) {
				t.Fatalf("held-out items differ: %d users against eval's %d", len(got.test), len(want.Test))
			}
			var train []recd.Event
			for k := range int32(te.len()) {
				if got.trains(k) {
					train = append(train, te.event(k, d))
				}
			}
			if len(train) != len(want.Train) {
				t.Fatalf("%d training events, eval has %d", len(train), len(want.Train))
			}
			for j, e := range want.Train {
				g := train[j]
				if g.UserID != e.UserID || g.ItemID != e.ItemID || g.Type != e.Type || g.Value != e.Value || !g.Timestamp.Equal(e.Timestamp) {
					t.Fatalf("training event %d: got %+v, want %+v", j, g, e)
				}
			}
			hist := referenceHistories(want.Train, w)
			for u := range int32(len(d.Users)) {
				got := labelHistory(u, te, by, d, got, w)
				if want := hist[d.Users[u]]; !sameHistory(got, want) {
					t.Fatalf("user %s: label history %v, want %v", d.Users[u], got, want)
				}
			}
			gotTimes := te.itemTimes(len(d.Items), func(k int32) bool { return got.trains(k) }, func(i int32) int32 { return i })
			if wantTimes := referenceItemTimes(d.ItemIndex, len(d.Items), want.Train); !reflect.DeepEqual(gotTimes, wantTimes) {
				t.Fatal("item times differ from those of eval's training events")
			}
		})
	}
}

// TestLabelSplit_RefusesABadHoldout checks the holdout share is validated like eval's.
func TestLabelSplit_RefusesABadHoldout(t *testing.T) {
	te, d := compactOf([]recd.Event{{UserID: "u", ItemID: "i", Type: "click"}}, model.DefaultWeights())
	for _, h := range []float64{0, 1, -0.5} {
		if _, err := labelSplit(te, te.byUser(1), d, RankerOptions{LabelSplit: LabelSplitUserTime, Holdout: h}); err == nil {
			t.Errorf("holdout %v accepted", h)
		}
	}
}

func sameHistory(a, b []rank.Interaction) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if a[k].ItemID != b[k].ItemID || a[k].Weight != b[k].Weight || !a[k].Last.Equal(b[k].Last) {
			return false
		}
	}
	return true
}

// referenceHistories is how the label histories were made from a copy of the training
// events before the compact form: summed weights and the newest time per (user, item).
func referenceHistories(events []recd.Event, w model.Weights) map[string][]rank.Interaction {
	type key struct{ u, i string }
	agg := map[key]*rank.Interaction{}
	var order []key
	for _, e := range events {
		k := key{e.UserID, e.ItemID}
		x := agg[k]
		if x == nil {
			x = &rank.Interaction{ItemID: e.ItemID}
			agg[k] = x
			order = append(order, k)
		}
		x.Weight += w.Of(e)
		if e.Timestamp.After(x.Last) {
			x.Last = e.Timestamp
		}
	}
	out := map[string][]rank.Interaction{}
	for _, k := range order {
		out[k.u] = append(out[k.u], *agg[k])
	}
	for _, h := range out {
		sort.Slice(h, func(a, b int) bool { return h[a].ItemID < h[b].ItemID })
	}
	return out
}

// referenceItemTimes is how item times were collected from a copy of the events.
func referenceItemTimes(index map[string]int32, n int, events []recd.Event) *rank.ItemTimes {
	var items []int32
	var times []int64
	for _, e := range events {
		if i, ok := index[e.ItemID]; ok && !e.Timestamp.IsZero() {
			items, times = append(items, i), append(times, e.Timestamp.Unix())
		}
	}
	return rank.NewItemTimes(n, items, times)
}
