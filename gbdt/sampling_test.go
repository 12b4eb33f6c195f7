package gbdt

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestTrainLambdaMART_WeightsSteerTheModel: in half of the groups feature 0 decides the
// grades, in the other half feature 1 does; weighting the first half 1 and the second 0.01
// makes feature 0 the important one, and the reverse weighting feature 1.
func TestTrainLambdaMART_WeightsSteerTheModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	d := &Dataset{NumFeatures: 2}
	for q := 0; q < 200; q++ {
		for i := 0; i < 20; i++ {
			x0, x1 := rng.Float32(), rng.Float32()
			grade := float32(0)
			if (q%2 == 0 && x0 > 0.8) || (q%2 == 1 && x1 > 0.8) {
				grade = 1
			}
			d.X = append(d.X, x0, x1)
			d.Label = append(d.Label, grade)
		}
		d.Group = append(d.Group, 20)
	}
	for _, favour := range []int{0, 1} {
		d.Weight = make([]float32, d.Rows())
		for r := range d.Weight {
			d.Weight[r] = 0.01
			if (r/20)%2 == favour {
				d.Weight[r] = 1
			}
		}
		m, err := TrainLambdaMART(context.Background(), d, nil, testParams(), nil)
		if err != nil {
			t.Fatal(err)
		}
		imp := m.Importance()
		if imp[favour] < 3*imp[1-favour] {
			t.Errorf("weighting the groups feature %d decides: importance %v", favour, imp)
		}
	}
}

// TestTrainLambdaMART_FeatureSample: with FeatureSample 0.2 of 10 features every tree splits
// on at most 2 features, and the trees together on more.
func TestTrainLambdaMART_FeatureSample(t *testing.T) {
	p := testParams()
	p.Trees, p.FeatureSample = 30, 0.2
	m, err := TrainLambdaMART(context.Background(), synth(1, 100, 30, 10, 0.3), nil, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	all := map[uint16]bool{}
	for tr := range m.roots {
		root, end := m.treeSpan(tr)
		used := map[uint16]bool{}
		for _, n := range m.nodes[root:end] {
			if n.flags&flagLeaf == 0 {
				used[n.feat], all[n.feat] = true, true
			}
		}
		if len(used) > 2 {
			t.Fatalf("tree %d splits on %d features", tr, len(used))
		}
	}
	if len(all) <= 2 {
		t.Errorf("all trees together split on %d features", len(all))
	}
}

// TestTrainer_RowSampleTakesWholeGroups: a round's rows are whole groups, about RowSample of
// them, and differ between rounds.
func TestTrainer_RowSampleTakesWholeGroups(t *testing.T) {
	d := synth(1, 400, 10, 4, 0.3)
	p := testParams()
	p.RowSample = 0.5
	tr := newTrainer(d, nil, p)
	first := slices.Clone(tr.sampleRows())
	second := tr.sampleRows()
	for _, rows := range [][]int32{first, second} {
		if n := len(rows); n%10 != 0 || n < 1600 || n > 2400 {
			t.Fatalf("sampled %d rows of 4000 in groups of 10, want whole groups, about half", n)
		}
		for i := 0; i < len(rows); i += 10 {
			if rows[i]%10 != 0 || rows[i+9] != rows[i]+9 {
				t.Fatalf("rows %v do not form a group", rows[i:i+10])
			}
		}
	}
	if slices.Equal(first, second) {
		t.Error("two rounds sampled the same groups")
	}
}
