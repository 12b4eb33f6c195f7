package gbdt

import (
	"fmt"
	"math"
)

// Objective is the loss the trees minimise.
type Objective int

const (
	// LambdaRank optimises NDCG@NDCGAt within every query group (LambdaMART).
	LambdaRank Objective = iota
	// SquaredError fits every row's score to its label.
	SquaredError
	// Logistic fits 1/(1+exp(-score)) to labels in [0, 1], such as clicks.
	Logistic
)

func (o Objective) String() string {
	switch o {
	case LambdaRank:
		return "lambdarank"
	case SquaredError:
		return "squared"
	case Logistic:
		return "logistic"
	}
	return fmt.Sprintf("Objective(%d)", int(o))
}

// pointwise sets every row's gradient and hessian of a pointwise objective under scores, each
// times the row's weight: (score - label) and 1 for SquaredError, (p - label) and p(1-p) with
// p = 1/(1+exp(-score)) for Logistic.
func pointwise(o Objective, scores []float64, labels, weight []float32, g, h []float64, workers int) {
	parallelChunks(workers, len(scores), rowChunk, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			w := 1.0
			if weight != nil {
				w = float64(weight[r])
			}
			y := float64(labels[r])
			if o == SquaredError {
				g[r], h[r] = w*(scores[r]-y), w
				continue
			}
			p := 1 / (1 + math.Exp(-scores[r]))
			g[r], h[r] = w*(p-y), w*p*(1-p)
		}
	})
}

// baseScore is the constant score that minimises the objective before any tree: the weighted
// mean label for SquaredError, its log-odds for Logistic, 0 for LambdaRank (ranks ignore it).
func baseScore(o Objective, d *Dataset) float64 {
	if o == LambdaRank {
		return 0
	}
	sum, total := 0.0, 0.0
	for r, y := range d.Label {
		w := d.weight(r)
		sum += w * float64(y)
		total += w
	}
	if total == 0 {
		return 0
	}
	mean := sum / total
	if o == SquaredError {
		return mean
	}
	mean = min(max(mean, 1e-6), 1-1e-6)
	return math.Log(mean / (1 - mean))
}
