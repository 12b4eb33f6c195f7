package gbdt_test

import (
	"context"
	"fmt"

	"github.com/recd/recd/gbdt"
)

// Two query groups of three candidates with one feature each; the more relevant candidates
// have the larger feature value, and the model learns to score them higher.
func ExampleTrainLambdaMART() {
	train := &gbdt.Dataset{
		NumFeatures: 1,
		Names:       []string{"recent_popularity"},
		X:           []float32{0.9, 0.1, 0.5, 0.2, 0.8, 0.4},
		Label:       []float32{2, 0, 1, 0, 2, 1},
		Group:       []int{3, 3},
	}
	p := gbdt.DefaultParams()
	// Six rows carry too little hessian for the default L2 penalty to allow a split.
	p.Trees, p.MinLeafRows, p.RowSample, p.EarlyStop, p.L2 = 20, 1, 1, 0, 0
	m, err := gbdt.TrainLambdaMART(context.Background(), train, nil, p, nil)
	if err != nil {
		panic(err)
	}
	scores := make([]float64, 3)
	m.PredictRows([]float32{0.95, 0.05, 0.45}, scores)
	fmt.Println(scores[0] > scores[2], scores[2] > scores[1])

	contrib := make([]float64, m.NumFeatures())
	bias := m.Contributions([]float32{0.95}, contrib)
	fmt.Printf("%s: %+.2f, bias %+.2f, score %+.2f\n", m.FeatureNames()[0], contrib[0], bias, m.Predict([]float32{0.95}))
	// Output:
	// true true
	// recent_popularity: +2.41, bias +0.00, score +2.41
}
