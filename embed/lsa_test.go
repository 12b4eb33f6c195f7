package embed

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/recd/recd"
	"gonum.org/v1/gonum/mat"
)

// fitMovies fits TF-IDF and LSA on the bundled catalog once per test binary.
var fitMovies = func() func(testing.TB) (*TFIDF, *LSA) {
	var tf *TFIDF
	var lsa *LSA
	return func(tb testing.TB) (*TFIDF, *LSA) {
		tb.Helper()
		if lsa != nil {
			return tf, lsa
		}
		items := movies(tb)
		var err error
		if tf, err = FitTFIDF(items, DefaultTFIDFOptions()); err != nil {
			tb.Fatal(err)
		}
		if lsa, err = FitLSA(tf, items, DefaultLSAOptions()); err != nil {
			tb.Fatal(err)
		}
		return tf, lsa
	}
}()

func TestLSA_MovieLensNeighbours(t *testing.T) {
	items := movies(t)
	tf, lsa := fitMovies(t)
	if lsa.Dim() != 128 {
		t.Fatalf("Dim = %d, want 128", lsa.Dim())
	}
	vecs := make([][]float32, len(items))
	for i, it := range items {
		vecs[i] = lsa.Embed(tf.Transform(it))
	}
	neighbours := func(q []float32, skip int) []int {
		scores := make([]float64, len(vecs))
		for i, v := range vecs {
			scores[i] = denseDot(q, v)
		}
		return topK(scores, 10, skip)
	}
	t.Run("toy story", func(t *testing.T) {
		p := itemPos(t, items, "1")
		nn := neighbours(vecs[p], p)
		t.Logf("neighbours: %q", titles(items, nn))
		if got := countKids(items, nn); got < 5 {
			t.Errorf("%d/10 Animation or Children neighbours, want >= 5: %q", got, titles(items, nn))
		}
	})
	t.Run("cold item", func(t *testing.T) {
		q := lsa.Embed(tf.Transform(raptorValley))
		if n := denseDot(q, q); math.Abs(n-1) > 1e-5 {
			t.Fatalf("squared norm = %v, want 1", n)
		}
		nn := neighbours(q, -1)
		t.Logf("neighbours: %q", titles(items, nn))
		if got := countKids(items, nn); got < 5 {
			t.Errorf("%d/10 Animation or Children neighbours, want >= 5: %q", got, titles(items, nn))
		}
	})
}

func TestFitLSA_Deterministic(t *testing.T) {
	items := movies(t)[:1500]
	tf, err := FitTFIDF(items, DefaultTFIDFOptions())
	if err != nil {
		t.Fatal(err)
	}
	o := DefaultLSAOptions()
	o.Dim = 32
	a, err := FitLSA(tf, items, o)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := FitLSA(tf, items, o)
	if !slices.Equal(a.loadings, b.loadings) {
		t.Errorf("two fits with seed %d differ", o.Seed)
	}
	o.Seed = 2
	c, _ := FitLSA(tf, items, o)
	if slices.Equal(a.loadings, c.loadings) {
		t.Errorf("fits with seeds 1 and 2 are identical: the seed is not used")
	}
	// Another seed finds nearly the same leading singular values.
	for i := range 8 {
		if d := math.Abs(a.singular[i]-c.singular[i]) / a.singular[i]; d > 0.01 {
			t.Errorf("singular value %d: %v with seed 1, %v with seed 2", i, a.singular[i], c.singular[i])
		}
	}
}

// TestFitLSA_Exact compares with gonum's exact SVD when the sketch spans the whole matrix.
func TestFitLSA_Exact(t *testing.T) {
	var items []recd.Item
	words := []string{"red", "green", "blue", "cyan", "pink", "gold", "grey", "teal", "navy", "lime", "ruby", "jade"}
	for i := range 30 {
		items = append(items, recd.Item{ID: fmt.Sprint(i),
			Title: fmt.Sprintf("%s %s %s", words[i%12], words[(i*5+1)%12], words[(i*7+3)%12])})
	}
	tf, err := FitTFIDF(items, titleOnly())
	if err != nil {
		t.Fatal(err)
	}
	lsa, err := FitLSA(tf, items, LSAOptions{Dim: 6, Oversample: 40, PowerIters: 1, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	a := mat.NewDense(len(items), tf.Dim(), nil)
	for i, it := range items {
		sv := tf.Transform(it)
		for p, j := range sv.Indices {
			a.Set(i, int(j), float64(sv.Values[p]))
		}
	}
	var svd mat.SVD
	if !svd.Factorize(a, mat.SVDThin) {
		t.Fatal("exact svd failed")
	}
	want := svd.Values(nil)[:6]
	got := lsa.SingularValues()
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-9 {
			t.Errorf("singular value %d = %v, want %v", i, got[i], want[i])
		}
	}
	// The loadings are orthonormal columns.
	k := lsa.Dim()
	for c1 := range k {
		for c2 := range k {
			var dot float64
			for j := range lsa.Terms() {
				dot += float64(lsa.loadings[j*k+c1]) * float64(lsa.loadings[j*k+c2])
			}
			want := 0.0
			if c1 == c2 {
				want = 1
			}
			if math.Abs(dot-want) > 1e-5 {
				t.Errorf("loadings column %d·%d = %v, want %v", c1, c2, dot, want)
			}
		}
	}
}

func TestFitLSA_Errors(t *testing.T) {
	tf, err := FitTFIDF([]recd.Item{{Title: "alpha beta"}, {Title: "alpha"}}, titleOnly())
	if err != nil {
		t.Fatal(err)
	}
	t.Run("no content", func(t *testing.T) {
		_, err := FitLSA(tf, []recd.Item{{Title: "zzz"}}, DefaultLSAOptions())
		if !errors.Is(err, ErrNoContent) {
			t.Errorf("err = %v, want ErrNoContent", err)
		}
	})
	t.Run("bad options", func(t *testing.T) {
		for _, o := range []LSAOptions{{Dim: 0}, {Dim: 4, Oversample: -1}, {Dim: 4, PowerIters: -1}} {
			if _, err := FitLSA(tf, nil, o); !errors.Is(err, recd.ErrInvalid) {
				t.Errorf("FitLSA(%+v) err = %v, want ErrInvalid", o, err)
			}
		}
	})
	t.Run("dimension lowered to the data", func(t *testing.T) {
		lsa, err := FitLSA(tf, []recd.Item{{Title: "alpha beta"}, {Title: "alpha"}}, DefaultLSAOptions())
		if err != nil {
			t.Fatal(err)
		}
		if lsa.Dim() != 2 || len(lsa.Embed(tf.Transform(recd.Item{Title: "beta"}))) != 2 {
			t.Errorf("Dim = %d, want 2 (two items, two terms)", lsa.Dim())
		}
	})
}

func TestLSA_Embed(t *testing.T) {
	tf, lsa := fitMovies(t)
	t.Run("unknown terms give the zero vector", func(t *testing.T) {
		got := lsa.Embed(tf.Transform(recd.Item{Title: "Qwxz"}))
		if len(got) != lsa.Dim() || slices.ContainsFunc(got, func(x float32) bool { return x != 0 }) {
			t.Errorf("Embed = %v, want %d zeros", got, lsa.Dim())
		}
	})
	t.Run("out of range indices ignored", func(t *testing.T) {
		sv := tf.Transform(raptorValley)
		want := lsa.Embed(sv)
		sv.Indices = append(sv.Indices, uint32(lsa.Terms()+5))
		sv.Values = append(sv.Values, 3)
		if got := lsa.Embed(sv); !slices.Equal(got, want) {
			t.Errorf("an index past the vocabulary changed the vector")
		}
	})
}

func TestLSA_MarshalBinary(t *testing.T) {
	tf, lsa := fitMovies(t)
	data, err := lsa.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var got LSA
	if err := got.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	sv := tf.Transform(raptorValley)
	if !slices.Equal(got.Embed(sv), lsa.Embed(sv)) || !slices.Equal(got.SingularValues(), lsa.SingularValues()) {
		t.Errorf("decoded model embeds differently")
	}
	t.Run("corrupt", func(t *testing.T) {
		checkCorrupt(t, data, func(b []byte) error { var x LSA; return x.UnmarshalBinary(b) })
	})
}
