package model

import (
	"context"
	"math"
	"testing"

	"github.com/recd/recd"
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
