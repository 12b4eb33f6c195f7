package eval

import (
	"context"
	"io"
	"reflect"
	"slices"
	"sort"
	"testing"

	"github.com/recd/recd/model"
)

// TestDefaultModels checks that every default model builds (DefaultModels panics otherwise)
// and is the model its search space builds from the defaults, options included.
func TestDefaultModels(t *testing.T) {
	models := DefaultModels()
	var names []string
	for name := range models {
		names = append(names, name)
	}
	sort.Strings(names)
	if want := append([]string{"popularity"}, SpaceNames()...); !slices.Equal(names, sortedCopy(want)) {
		t.Fatalf("DefaultModels = %v, want %v", names, sortedCopy(want))
	}
	direct := map[string]model.Recommender{
		"als":     model.NewALS(model.DefaultALSOptions()),
		"bpr":     model.NewBPR(model.DefaultBPROptions()),
		"ease":    model.NewEASE(model.DefaultEASEOptions()),
		"itemknn": model.NewItemKNN(model.DefaultItemKNNOptions()),
		"ncf":     model.NewNCF(model.DefaultNCFOptions()),
	}
	for name, want := range direct {
		if got := models[name](); !reflect.DeepEqual(got, want) {
			t.Errorf("DefaultModels()[%q] = %+v, want the model of the default options %+v", name, got, want)
		}
	}
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	return out
}

// headOnly scores only the first k items of fixed scores, like the served pipeline, which
// returns the k items asked for; it records the k it was told and whether it was closed.
type headOnly struct {
	fixedScores
	k      int
	closed *int
}

func (h *headOnly) SetListLength(k int) { h.k = k }
func (h *headOnly) Close() error        { *h.closed++; return nil }
func (h *headOnly) Score(u int, items []int32, w []float32, dst []float32) {
	h.fixedScores.Score(u, items, w, dst)
	for i := range dst {
		if i >= h.k {
			dst[i] = 0
		}
	}
}

var (
	_ ListLengthAware = (*headOnly)(nil)
	_ io.Closer       = (*headOnly)(nil)
)

func TestEvaluateFitted_TellsListLength(t *testing.T) {
	d := tinyTrain()
	for _, k := range []int{1, 3} {
		rec := &headOnly{fixedScores: fixedScores{scores: []float32{5, 4, 3, 2, 1}}, closed: new(int)}
		opt := DefaultOptions()
		opt.K = k
		r, err := EvaluateFitted(context.Background(), rec, d, map[string][]string{"c": {"i0"}}, opt)
		if err != nil {
			t.Fatal(err)
		}
		if rec.k != k {
			t.Errorf("K %d: the model was told %d", k, rec.k)
		}
		// c has i3 and i4: the head of k items is i0..i(k-1), so i0 is a hit at rank 1.
		if got := r.Metrics[MetricHitRate]; got != 1 {
			t.Errorf("K %d: hit rate %v, want 1", k, got)
		}
	}
}

// A model holding resources (io.Closer) is closed once its trial is scored, so a search
// never holds more than one at a time.
func TestTune_ClosesEveryTrialModel(t *testing.T) {
	closed, built, open := 0, 0, 0
	maxOpen := 0
	s := &Space{Model: "fixed", Params: []Param{{Name: "x", Min: 0, Max: 1}}, Default: Params{"x": 0.5},
		New: func(Params) (model.Recommender, error) {
			built++
			open = built - closed
			maxOpen = max(maxOpen, open)
			return &headOnly{fixedScores: fixedScores{scores: make([]float32, 200)}, k: 10, closed: &closed}, nil
		}}
	if _, err := TuneHoldout(context.Background(), s, tuneFixture(40, 60, 2, 3), 0.2, fastOptions(3)); err != nil {
		t.Fatal(err)
	}
	if built == 0 || closed != built {
		t.Errorf("%d models built, %d closed", built, closed)
	}
	if maxOpen != 1 {
		t.Errorf("%d models open at once, want 1", maxOpen)
	}
}
