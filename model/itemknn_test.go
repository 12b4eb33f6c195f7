package model

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
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

// TestItemKNN_MaxUserItems: with users above the cap, the fit is the uncapped fit of the
// matrix holding only each heavy user's sampled items (norms included), the sample is the
// same in every run, and a cap above every history changes nothing.
func TestItemKNN_MaxUserItems(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	b := NewBuilder(Weights{Default: 1, ByType: map[string]float64{"like": 3}})
	for i := range 300 {
		b.AddItem(fmt.Sprintf("i%03d", i))
	}
	var evs []recd.Event
	for u := range 80 {
		n := 5 + rng.IntN(20)
		if u%10 == 0 {
			n = 150 + rng.IntN(100) // heavy users
		}
		for range n {
			typ := "view"
			if rng.IntN(4) == 0 {
				typ = "like"
			}
			evs = append(evs, recd.Event{UserID: fmt.Sprintf("u%02d", u), ItemID: fmt.Sprintf("i%03d", rng.IntN(300)), Type: typ})
		}
	}
	for _, e := range evs {
		b.Add(e)
	}
	d := b.Build()
	fit := func(d *Dataset, o ItemKNNOptions) [][]Neighbor {
		t.Helper()
		m := NewItemKNN(o)
		if err := m.Fit(context.Background(), d); err != nil {
			t.Fatal(err)
		}
		return m.Neighbors
	}
	for _, binary := range []bool{true, false} {
		o := DefaultItemKNNOptions()
		o.Binary, o.Neighbors = binary, 20
		o.MaxUserItems = 0
		full := fit(d, o)
		o.MaxUserItems = 1000
		if got := fit(d, o); !reflect.DeepEqual(got, full) {
			t.Errorf("binary %v: a cap above every history changed the neighbours", binary)
		}
		o.MaxUserItems = 60
		capped := fit(d, o)
		if m := NewItemKNN(o); m.Fit(context.Background(), d) != nil || m.SampledUsers() != 8 {
			t.Errorf("SampledUsers() = %d, want the 8 heavy users", m.SampledUsers())
		}
		if again := fit(d, o); !reflect.DeepEqual(again, capped) {
			t.Errorf("binary %v: two capped fits differ", binary)
		}
		if reflect.DeepEqual(capped, full) {
			t.Fatalf("binary %v: the cap of 60 changed nothing; the fixture has no heavy users", binary)
		}
		// The reference: the matrix of the sampled interactions, fitted without a cap.
		smp := sampleUsers(d, 60)
		heavy := 0
		for u := range d.NumUsers() {
			if smp.at[u] >= 0 {
				heavy++
				if items, _ := smp.row(d, int32(u)); len(items) != 60 {
					t.Fatalf("user %s keeps %d items, want 60", d.Users[u], len(items))
				}
			}
		}
		if heavy != 8 {
			t.Fatalf("%d heavy users sampled, want 8", heavy)
		}
		ref := sampledMatrix(d, smp)
		if want := fit(ref, func() ItemKNNOptions { o := o; o.MaxUserItems = 0; return o }()); !reflect.DeepEqual(capped, want) {
			t.Errorf("binary %v: the capped fit differs from the fit of the sampled matrix", binary)
		}
	}
}

// sampledMatrix builds the dataset of the interactions smp keeps, CSR and CSC.
func sampledMatrix(d *Dataset, smp *userSample) *Dataset {
	ref := &Dataset{Users: d.Users, Items: d.Items, UserPtr: []int32{0}, ItemPtr: make([]int32, d.NumItems()+1)}
	for u := range d.NumUsers() {
		items, ws := smp.row(d, int32(u))
		ref.UserItems, ref.UserWeights = append(ref.UserItems, items...), append(ref.UserWeights, ws...)
		ref.UserPtr = append(ref.UserPtr, int32(len(ref.UserItems)))
		for _, j := range items {
			ref.ItemPtr[j+1]++
		}
	}
	for i := range d.NumItems() {
		ref.ItemPtr[i+1] += ref.ItemPtr[i]
	}
	ref.ItemUsers, ref.ItemWeights = make([]int32, len(ref.UserItems)), make([]float32, len(ref.UserItems))
	next := slices.Clone(ref.ItemPtr)
	for u := range d.NumUsers() {
		items, ws := ref.UserRow(u)
		for k, j := range items {
			ref.ItemUsers[next[j]], ref.ItemWeights[next[j]] = int32(u), ws[k]
			next[j]++
		}
	}
	return ref
}
