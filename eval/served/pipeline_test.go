package served_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/eval"
	"github.com/recd/recd/eval/served"
	"github.com/recd/recd/index"
	"github.com/recd/recd/index/hnsw"
	"github.com/recd/recd/model"
	"github.com/recd/recd/service"
	"github.com/recd/recd/store"
	"github.com/recd/recd/store/sqlite"
)

func backends(dir string) (store.Store, index.Index, error) {
	st, err := sqlite.Open(filepath.Join(dir, "recd.db"), sqlite.DefaultOptions())
	if err != nil {
		return nil, nil, err
	}
	idx, err := hnsw.New(hnsw.DefaultOptions())
	return st, idx, err
}

// clustered returns 80 users in two taste groups over 40 items with genres and titles, and
// their events (seeded).
func clustered() ([]recd.Item, []recd.Event) {
	rng := rand.New(rand.NewPCG(5, 6))
	var items []recd.Item
	for i := 0; i < 40; i++ {
		g := "Comedy"
		if i >= 20 {
			g = "Drama"
		}
		items = append(items, recd.Item{ID: fmt.Sprint("i", i), Title: fmt.Sprintf("%s film %d", g, i),
			Categories: []string{g}, Available: true})
	}
	var evs []recd.Event
	for u := 0; u < 80; u++ {
		base := 20 * (u % 2)
		for i := 0; i < 20; i++ {
			if rng.Float64() < 0.4 {
				evs = append(evs, recd.Event{UserID: fmt.Sprint("u", u), ItemID: fmt.Sprint("i", base+i), Type: recd.EventClick})
			}
		}
	}
	return items, evs
}

// The pipeline, evaluated like any model, returns the evaluation's k items per user, finds
// the users' taste groups, reports the vector ILDs and removes its service when closed.
func TestPipeline_Evaluate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and trains a service")
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	items, evs := clustered()
	split, err := eval.RandomSplit(evs, 0.25, 42)
	if err != nil {
		t.Fatal(err)
	}
	train := eval.BuildDataset(split.Train, model.DefaultWeights(), true)
	p := served.New(service.DefaultOptions(), backends, nil)
	p.SetItems(items)
	opt := eval.DefaultOptions()
	opt.K, opt.Workers = 5, 2
	r, err := eval.Evaluate(context.Background(), p, train, split.Test, opt)
	if err != nil {
		t.Fatal(err)
	}
	inGroup, total := 0, 0
	for _, u := range r.PerUser {
		if len(u.Items) > 5 {
			t.Fatalf("user %s: %d items, want at most k = 5", u.User, len(u.Items))
		}
		var un, it int
		fmt.Sscanf(u.User, "u%d", &un)
		for _, i := range u.Items {
			fmt.Sscanf(train.Items[i], "i%d", &it)
			if it/20 == un%2 {
				inGroup++
			}
			total++
		}
	}
	// A served list keeps to the user's taste group (a random one would be half in it).
	if share := float64(inGroup) / float64(max(1, total)); total < 4*len(r.PerUser) || share < 0.9 {
		t.Errorf("%d of %d listed items in the user's group, want at least 90%% of about 5 per user", inGroup, total)
	}
	if _, ok := r.Metrics[eval.MetricILDContent]; !ok {
		t.Errorf("no %s in %v", eval.MetricILDContent, r.Metrics)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 1 {
		t.Errorf("%d service directories while fitted, want 1", len(left))
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("Close left %d directories", len(left))
	}
}

// The search space keeps the weights it does not search as configured and builds
// pipelines with the sampled weights.
func TestSpace(t *testing.T) {
	o := service.DefaultOptions()
	o.Rank.Weights = map[string]float64{"itemknn": 0.3, "ease": 3, "session": 1}
	s := served.Space(o, nil, backends)
	if s.Model != served.Name || s.Section != served.Section {
		t.Errorf("space %s/%s", s.Model, s.Section)
	}
	want := eval.Params{"itemknn": 0.3, "cf": 1, "content": 1, "popular": 1, "ease": 3, "session": 1}
	if fmt.Sprint(s.Default) != fmt.Sprint(want) {
		t.Errorf("defaults %v, want %v", s.Default, want)
	}
	var names []string
	for _, p := range s.Params {
		names = append(names, p.Name)
	}
	if got := fmt.Sprint(names); got != "[itemknn cf content popular ease session]" {
		t.Errorf("params %s", got)
	}
	if _, err := s.New(s.Sample(rand.New(rand.NewPCG(1, 2)))); err != nil {
		t.Fatal(err)
	}
	if o.Rank.Weights["itemknn"] != 0.3 {
		t.Errorf("a trial changed the configured weights: %v", o.Rank.Weights)
	}
}
