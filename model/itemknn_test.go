package model

import (
	"context"
	"github.com/recd/recd/internal/racetest"
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/dataset"
)

func knnFixture() *Dataset {
	b := NewBuilder(Weights{Default: 1})
	// a and b always together, c with a once.
	for _, e := range [][2]string{{"u1", "a"}, {"u1", "b"}, {"u2", "a"}, {"u2", "b"}, {"u3", "a"}, {"u3", "c"}} {
		b.Add(recd.Event{UserID: e[0], ItemID: e[1], Type: "view"})
	}
	return b.Build()
}

func TestItemKNN_Fit(t *testing.T) {
	d := knnFixture()
	m := NewItemKNN(ItemKNNOptions{Neighbors: 10, Shrink: 1, Alpha: 0.5, Binary: true})
	if err := m.Fit(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	a, b, c := d.ItemIndex["a"], d.ItemIndex["b"], d.ItemIndex["c"]
	// sim(a,b) = 2 / (sqrt(3)*sqrt(2) + 1); sim(a,c) = 1 / (sqrt(3)*1 + 1)
	want := map[int32]float64{b: 2 / (math.Sqrt(6) + 1), c: 1 / (math.Sqrt(3) + 1)}
	got := m.Neighbors[a]
	if len(got) != 2 || got[0].Item != b || got[1].Item != c {
		t.Fatalf("neighbours of a = %+v, want b then c", got)
	}
	for _, nb := range got {
		if math.Abs(float64(nb.Sim)-want[nb.Item]) > 1e-6 {
			t.Errorf("sim(a,%d) = %v, want %v", nb.Item, nb.Sim, want[nb.Item])
		}
	}
	if len(m.Neighbors[b]) != 1 || m.Neighbors[b][0].Item != a {
		t.Errorf("neighbours of b = %+v, want only a", m.Neighbors[b])
	}
	dst := make([]float32, d.NumItems())
	m.Score(-1, []int32{c}, []float32{1}, dst)
	if dst[a] <= 0 || dst[b] != 0 {
		t.Errorf("scores from history [c] = %v: want a > 0, b == 0", dst)
	}
}

func TestItemKNN_Validate(t *testing.T) {
	bad := []ItemKNNOptions{{Neighbors: 0, Alpha: 0.5}, {Neighbors: 10, Shrink: -1}, {Neighbors: 10, Alpha: 2}}
	for _, o := range bad {
		if err := NewItemKNN(o).Fit(context.Background(), knnFixture()); err == nil {
			t.Errorf("Fit with %+v: want an error", o)
		}
	}
}

// knnSplit is a per-user random 80/20 holdout of the bundled ratings, every rating positive.
func knnSplit(t testing.TB) (*Dataset, map[int][]int32) {
	t.Helper()
	data, err := dataset.ReadMovieLens("../examples/ml-latest-small")
	if err != nil {
		t.Fatal(err)
	}
	byUser := map[string][]recd.Event{}
	var users []string
	for _, e := range data.Events {
		if byUser[e.UserID] == nil {
			users = append(users, e.UserID)
		}
		byUser[e.UserID] = append(byUser[e.UserID], e)
	}
	rng := rand.New(rand.NewPCG(42, 0))
	b := NewBuilder(Weights{Default: 1, ByType: map[string]float64{recd.EventRating: 5}})
	for _, it := range data.Items {
		b.AddItem(it.ID)
	}
	test := map[string][]string{}
	for _, u := range users {
		evs := byUser[u]
		rng.Shuffle(len(evs), func(i, j int) { evs[i], evs[j] = evs[j], evs[i] })
		nt := int(math.Round(0.2 * float64(len(evs))))
		for _, e := range evs[:nt] {
			test[u] = append(test[u], e.ItemID)
		}
		for _, e := range evs[nt:] {
			e.Value = 1
			b.Add(e)
		}
	}
	d := b.Build()
	out := map[int][]int32{}
	for u, items := range test {
		ui, ok := d.UserIndex[u]
		if !ok {
			continue
		}
		for _, it := range items {
			out[int(ui)] = append(out[int(ui)], d.ItemIndex[it])
		}
	}
	return d, out
}

// knnNDCG is NDCG@k over full rankings that exclude training items.
func knnNDCG(d *Dataset, m Recommender, test map[int][]int32, k int) float64 {
	dst := make([]float32, d.NumItems())
	var sum float64
	for u, truth := range test {
		items, ws := d.UserRow(u)
		m.Score(u, items, ws, dst)
		for _, i := range items {
			dst[i] = float32(math.Inf(-1))
		}
		idx := make([]int32, len(dst))
		for i := range idx {
			idx[i] = int32(i)
		}
		sort.Slice(idx, func(a, b int) bool { return dst[idx[a]] > dst[idx[b]] })
		rel := map[int32]bool{}
		for _, i := range truth {
			rel[i] = true
		}
		var dcg, idcg float64
		for r := 0; r < k; r++ {
			if rel[idx[r]] {
				dcg += 1 / math.Log2(float64(r+2))
			}
		}
		for r := 0; r < min(k, len(truth)); r++ {
			idcg += 1 / math.Log2(float64(r+2))
		}
		sum += dcg / idcg
	}
	return sum / float64(len(test))
}

func TestItemKNN_QualityMovieLens(t *testing.T) {
	if racetest.Enabled {
		t.Skip(racetest.SkipMsg)
	}
	if testing.Short() {
		t.Skip("quality check on the bundled data")
	}
	d, test := knnSplit(t)
	m := NewItemKNN(DefaultItemKNNOptions())
	if err := m.Fit(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	got := knnNDCG(d, m, test, 10)
	t.Logf("itemknn NDCG@10 = %.4f", got)
	const want, delta = 0.2846, 0.005
	if math.Abs(got-want) > delta {
		t.Errorf("NDCG@10 = %.4f, want %.4f ± %.3f", got, want, delta)
	}
}
