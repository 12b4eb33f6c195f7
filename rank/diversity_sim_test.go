package rank

import (
	"context"
	"math"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/model"
)

// MMR's similarity mixes category overlap, the CF cosine and the content cosine by the
// configured shares; the CF cosine is that of the ALS item factors.
func TestDiversitySimilarity_MixesCategoryCFAndContent(t *testing.T) {
	bld := model.NewBuilder(model.Weights{Default: 1})
	for _, ev := range [][2]string{{"u1", "a"}, {"u1", "b"}, {"u2", "a"}, {"u2", "b"}, {"u3", "a"}, {"u3", "b"},
		{"u4", "c"}, {"u4", "d"}, {"u5", "c"}, {"u5", "d"}, {"u6", "c"}, {"u6", "d"}} {
		bld.Add(recd.Event{UserID: ev[0], ItemID: ev[1], Type: "click"})
	}
	d := bld.Build()
	ao := model.DefaultALSOptions()
	ao.Factors, ao.Lambda, ao.Seed = 4, 0.1, 1
	als := model.NewALS(ao)
	if err := als.Fit(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	mi := map[string]int32{}
	for i, id := range d.Items {
		mi[id] = int32(i)
	}
	p := NewPipeline(&Models{Items: d.Items, ItemIndex: mi, ALS: als}, nil, nil, nil, DefaultOptions())
	cands := []Candidate{{ID: "a", Categories: []string{"x"}}, {ID: "b", Categories: []string{"y"}},
		{ID: "c", Categories: []string{"x"}}, {ID: "d"}}
	content := func(x, y string) float64 { return 0.25 } // every pair alike by content

	cf := p.cfSimilarity()
	if cf == nil {
		t.Fatal("no CF similarity with an ALS model")
	}
	if ab, ac := cf("a", "b"), cf("a", "c"); ab < 0.9 || ac > 0.5 {
		t.Fatalf("CF cosine: a~b %.3f (liked by the same users), a~c %.3f (by others)", ab, ac)
	}
	if got := cf("a", "zz"); got != 0 {
		t.Errorf("an item outside the model: %v, want 0", got)
	}
	for _, tc := range []struct{ cat, cfw float64 }{{0.75, 0}, {0, 1}, {0.5, 0.5}, {0.25, 0.25}, {0, 0}} {
		p.Opts.DiversityCategoryWeight, p.Opts.DiversityCFWeight = tc.cat, tc.cfw
		sim := p.diversitySimilarity(cands, content)
		cat := CategorySimilarity(cands)
		for _, pair := range [][2]string{{"a", "b"}, {"a", "c"}, {"b", "d"}} {
			want := tc.cat*cat(pair[0], pair[1]) + tc.cfw*cf(pair[0], pair[1]) + (1-tc.cat-tc.cfw)*0.25
			if got := sim(pair[0], pair[1]); math.Abs(got-want) > 1e-9 {
				t.Errorf("category %g, cf %g: sim(%s, %s) = %.4f, want %.4f", tc.cat, tc.cfw, pair[0], pair[1], got, want)
			}
		}
	}
	// Without an ALS model the CF share goes to the content cosine.
	q := NewPipeline(&Models{Items: d.Items, ItemIndex: mi}, nil, nil, nil, DefaultOptions())
	q.Opts.DiversityCategoryWeight, q.Opts.DiversityCFWeight = 0, 1
	if got := q.diversitySimilarity(cands, content)("a", "b"); got != 0.25 {
		t.Errorf("no ALS: sim = %v, want the content cosine 0.25", got)
	}
}
