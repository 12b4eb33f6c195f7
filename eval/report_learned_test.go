package eval

import (
	"bytes"
	"encoding/base64"
	"regexp"
	"testing"
)

func TestWriteHTML_LearnedRanking(t *testing.T) {
	r := reportFixture()
	r.Learned = []*LearnedRanking{{Model: "ranker", Note: "the ranker serves: 0.16 against 0.14",
		Features: []string{"src_ease_rank", "item_pop_at_user", "cat_affinity"}, Importance: []float64{0.2, 0.7, 0.1},
		Curve: []float64{0.12, 0.14, 0.15, 0.149}}}
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`<img alt="([^"]+)" src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)">`)
	imgs := re.FindAllStringSubmatch(buf.String(), -1)
	if len(imgs) != 5 {
		t.Fatalf("%d plots, want 5 (3 + importance + curve)", len(imgs))
	}
	imp, curve := imgs[3], imgs[4]
	if imp[1] != "ranker: feature importance. the ranker serves: 0.16 against 0.14" {
		t.Errorf("importance caption %q", imp[1])
	}
	svg, _ := base64.StdEncoding.DecodeString(imp[2])
	for _, f := range r.Learned[0].Features {
		if !bytes.Contains(svg, []byte(f)) {
			t.Errorf("importance plot lacks feature %s", f)
		}
	}
	// the largest share is drawn last (on top), after the smaller ones
	if bytes.Index(svg, []byte("item_pop_at_user")) < bytes.Index(svg, []byte("cat_affinity")) {
		t.Error("features not ordered by importance")
	}
	if curve[1] != "ranker: validation NDCG per boosting round" {
		t.Errorf("curve caption %q", curve[1])
	}
	r.Learned[0].Importance = r.Learned[0].Importance[:2] // a mismatch draws nothing
	buf.Reset()
	if err := WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	if n := len(re.FindAllString(buf.String(), -1)); n != 3 {
		t.Errorf("%d plots with mismatched importance, want 3", n)
	}
}
