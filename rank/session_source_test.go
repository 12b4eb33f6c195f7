package rank

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/recd/recd/index"
	"github.com/recd/recd/index/hnsw"
)

// The session source proposes the content neighbours of the recent items alone, whatever
// the history, reading model items' vectors from the pipeline's copy and newer items'
// from the index.
func TestSessionSource_ContentNeighboursOfTheRecentItems(t *testing.T) {
	ctx := context.Background()
	idx, err := hnsw.New(hnsw.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := idx.CreateSpace(ctx, index.SpaceConfig{Name: SpaceContent, Dim: 5, Metric: index.Cosine}); err != nil {
		t.Fatal(err)
	}
	var pts []index.Point
	m := &Models{ItemIndex: map[string]int32{}}
	for _, it := range fixtureItems {
		v := make([]float32, len(it.vec))
		for k, x := range it.vec {
			v[k] = float32(x)
		}
		pts = append(pts, index.Point{ID: it.id, Vectors: map[string][]float32{SpaceContent: v},
			Payload: index.Payload{Categories: it.cats, Available: true}})
		if it.id != "m11" { // Shrek was added after the model was trained
			m.Items = append(m.Items, it.id)
			m.ItemIndex[it.id] = int32(len(m.Items) - 1)
		}
	}
	if err := idx.Upsert(ctx, pts); err != nil {
		t.Fatal(err)
	}
	p := NewPipeline(m, nil, idx, nil, DefaultOptions())
	recent := []string{"m1", "m11"} // Toy Story, Shrek
	lists := p.sessionSource(ctx, recent, nil, 4)
	if len(lists) != 1 || lists[0].Name != "session" {
		t.Fatalf("lists %+v, want one content list named session (no item-kNN model)", lists)
	}
	var got []string
	for _, it := range lists[0].Items {
		got = append(got, it.ID)
	}
	if len(got) != 4 {
		t.Fatalf("%d session neighbours, want k = 4: %v", len(got), got)
	}
	// Ranked by the mean similarity to both clicks.
	for n := 1; n < len(lists[0].Items); n++ {
		if lists[0].Items[n].Score > lists[0].Items[n-1].Score {
			t.Errorf("not best first: %+v", lists[0].Items)
		}
	}
	want := (fixtureSim("m3", "m1") + fixtureSim("m3", "m11")) / 2
	for _, it := range lists[0].Items {
		if it.ID == "m3" && math.Abs(it.Score-want) > 1e-4 {
			t.Errorf("Coco scores %.4f, want its mean similarity to the clicks %.4f", it.Score, want)
		}
	}
	// Each item's neighbours are searched once per content generation.
	if p.nb.Len() != 2 {
		t.Errorf("%d items' neighbours kept, want the 2 clicks'", p.nb.Len())
	}
	p.ContentChanged()
	if p.nb != nil {
		t.Error("ContentChanged kept the content neighbours")
	}
	// The animated films first; the two clicked ones are left out.
	for _, id := range got[:3] {
		if !slices.Contains([]string{"m2", "m3", "m8"}, id) {
			t.Errorf("session neighbours %v: want Up, Coco and Spirited Away (m2, m3, m8) first", got)
			break
		}
	}
	if slices.Contains(got, "m1") || slices.Contains(got, "m11") {
		t.Errorf("session neighbours %v include a clicked item", got)
	}
	// The mean direction: from the model's copy (m1) plus the index (m11) equals both from
	// the index.
	a := p.meanContent(ctx, recent)
	q := NewPipeline(&Models{ItemIndex: map[string]int32{}}, nil, idx, nil, DefaultOptions())
	b := q.meanContent(ctx, recent)
	if len(a) != 5 || len(b) != 5 {
		t.Fatalf("mean vectors %v, %v", a, b)
	}
	for k := range a {
		if d := a[k] - b[k]; d > 1e-5 || d < -1e-5 {
			t.Fatalf("mean from the model's copy %v, from the index %v", a, b)
		}
	}
	if got := p.meanContent(ctx, []string{"nope"}); got != nil {
		t.Errorf("mean of unknown items: %v, want nil", got)
	}
}
