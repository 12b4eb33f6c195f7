package embed

import (
	"math"
	"testing"
)

// cfVectors gives the items with at least minRatings ratings a 32-dimension CF vector:
// their rows of U·Σ from a truncated SVD of the binary item×user matrix (a stand-in for
// the ALS factors the train path fits). It returns the item positions and their vectors.
func cfVectors(tb testing.TB, minRatings, dim int) ([]int, [][]float32) {
	items, events := movies(tb), movieEvents(tb)
	pos := map[string]int{}
	for i, it := range items {
		pos[it.ID] = i
	}
	users := map[string]int{}
	byItem := make([][]int, len(items))
	for _, e := range events {
		u, ok := users[e.UserID]
		if !ok {
			u = len(users)
			users[e.UserID] = u
		}
		byItem[pos[e.ItemID]] = append(byItem[pos[e.ItemID]], u)
	}
	a := &csr{cols: len(users), rowPtr: []int{0}}
	var warm []int
	for i, us := range byItem {
		if len(us) < minRatings {
			continue
		}
		warm = append(warm, i)
		w := 1 / math.Sqrt(float64(len(us)))
		for _, u := range us {
			a.colIdx = append(a.colIdx, u)
			a.vals = append(a.vals, w)
		}
		a.rowPtr = append(a.rowPtr, len(a.colIdx))
	}
	v, _, err := randomizedSVD(a, dim+10, 2, 1)
	if err != nil {
		tb.Fatal(err)
	}
	vk := v.Slice(0, a.cols, 0, dim)
	u := mat64Dense(a.rows(), dim)
	a.mul(u, mat64Copy(vk))
	out := make([][]float32, a.rows())
	for i := range out {
		out[i] = make([]float32, dim)
		for c := range dim {
			out[i][c] = float32(u.At(i, c))
		}
	}
	return warm, out
}

func cosine(a, b []float32) float64 {
	return denseDot(a, b) / math.Sqrt(denseDot(a, a)*denseDot(b, b))
}

// TestProjection_MovieLens fits the content->CF projection on 80% of the warm movies
// and checks that it predicts the CF vectors of the other 20% from content alone.
func TestProjection_MovieLens(t *testing.T) {
	if testing.Short() {
		t.Skip("fits LSA and a CF SVD on the bundled data")
	}
	items := movies(t)
	tf, lsa := fitMovies(t)
	warm, cf := cfVectors(t, 10, 32)
	var xTrain, yTrain, xTest, yTest [][]float32
	for k, i := range warm {
		x := lsa.Embed(tf.Transform(items[i]))
		if k%5 == 0 {
			xTest, yTest = append(xTest, x), append(yTest, cf[k])
		} else {
			xTrain, yTrain = append(xTrain, x), append(yTrain, cf[k])
		}
	}
	p, err := FitProjection(xTrain, yTrain, 2)
	if err != nil {
		t.Fatal(err)
	}
	mean := make([]float32, len(yTrain[0]))
	for c, m := range colMeans(yTrain) {
		mean[c] = float32(m)
	}
	// AUC: how often a held-out item's projection is closer to its own CF vector than to
	// another held-out item's. The mean vector scores about 0.5 here by construction.
	var cosP, cosM float64
	var wins, pairs int
	proj := make([][]float32, len(xTest))
	for i := range xTest {
		proj[i], _ = p.Project(xTest[i])
		cosP += cosine(proj[i], yTest[i])
		cosM += cosine(mean, yTest[i])
	}
	for i := range proj {
		own := cosine(proj[i], yTest[i])
		for j := range yTest {
			if j != i {
				pairs++
				if own > cosine(proj[i], yTest[j]) {
					wins++
				}
			}
		}
	}
	cosP, cosM = cosP/float64(len(xTest)), cosM/float64(len(xTest))
	auc := float64(wins) / float64(pairs)
	t.Logf("%d train, %d held out: mean cosine to the true CF vector %.3f (mean-vector baseline %.3f), AUC %.3f",
		len(xTrain), len(xTest), cosP, cosM, auc)
	if cosP < cosM+0.04 {
		t.Errorf("projected cosine %.3f, want at least the baseline %.3f + 0.04", cosP, cosM)
	}
	if auc < 0.65 {
		t.Errorf("AUC %.3f, want >= 0.65", auc)
	}
}
