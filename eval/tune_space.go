package eval

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"

	"github.com/recd/recd"
	"github.com/recd/recd/model"
)

// Param is one hyper-parameter's search range. Values are drawn uniformly from Choices when
// it is set, otherwise from [Min, Max], uniformly in log space when Log is set, and rounded to
// an integer when Int is set (floats are kept to three significant digits, so logs and the
// written configuration stay readable).
type Param struct {
	// Name is the parameter's key in recd's configuration (and its model's YAML tag).
	Name     string
	Min, Max float64
	Log      bool
	Int      bool
	Choices  []float64
}

// Params is one configuration: a value per Param name. Integer parameters hold whole numbers.
type Params map[string]float64

// sample draws one value.
func (p Param) sample(rng *rand.Rand) float64 {
	if len(p.Choices) > 0 {
		return p.Choices[rng.IntN(len(p.Choices))]
	}
	var v float64
	if p.Log {
		v = math.Exp(math.Log(p.Min) + rng.Float64()*(math.Log(p.Max)-math.Log(p.Min)))
	} else {
		v = p.Min + rng.Float64()*(p.Max-p.Min)
	}
	if p.Int {
		return math.Min(p.Max, math.Max(p.Min, math.Round(v)))
	}
	return roundSig(v, 3)
}

// roundSig rounds v to n significant digits.
func roundSig(v float64, n int) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', n, 64), 64)
	return r
}

// Space is a model's search space and how to build the model from one configuration.
type Space struct {
	// Model is the model's name: als, bpr, ease, itemknn or ncf (or the served pipeline's
	// "hybrid", see package eval/served).
	Model string
	// Section is the model's key under train: in recd's configuration file (als, bpr, ease,
	// knn, ncf).
	Section string
	// Params are the searched hyper-parameters, in the order they are logged and written.
	Params []Param
	// Default is the model's default configuration restricted to Params.
	Default Params
	// Budget names the iteration-count parameter that successive halving scales down on early
	// rungs; when empty, early rungs fit and validate on a share of the users instead.
	Budget string
	// New builds an unfitted model from a configuration; parameters not in Params keep their
	// defaults (including the model's seed, so the result is what serve would train).
	// A model that implements io.Closer is closed as soon as its trial is scored.
	New func(Params) (model.Recommender, error)
}

// Sample draws one configuration.
func (s *Space) Sample(rng *rand.Rand) Params {
	p := Params{}
	for _, q := range s.Params {
		p[q.Name] = q.sample(rng)
	}
	return p
}

// Format renders a configuration as "name=value" pairs in Params order.
func (s *Space) Format(p Params) string {
	var b strings.Builder
	for i, q := range s.Params {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(q.Name + "=" + strconv.FormatFloat(p[q.Name], 'g', -1, 64))
	}
	return b.String()
}

// SpaceNames lists the models SearchSpace knows, sorted.
func SpaceNames() []string {
	var out []string
	for name := range spaces {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// SearchSpace returns the search space of a model: als, bpr, ease, itemknn or ncf.
func SearchSpace(name string) (*Space, error) {
	f, ok := spaces[name]
	if !ok {
		return nil, recd.Invalid("model", fmt.Sprintf("no search space for %q (%s)", name, strings.Join(SpaceNames(), ", ")))
	}
	return f(), nil
}

var factorChoices = []float64{32, 64, 128}

var spaces = map[string]func() *Space{
	"als": func() *Space {
		d := model.DefaultALSOptions()
		return &Space{Model: "als", Section: "als", Budget: "iterations",
			Params: []Param{{Name: "factors", Int: true, Choices: factorChoices},
				{Name: "iterations", Int: true, Min: 8, Max: 25},
				{Name: "alpha", Min: 0.5, Max: 20, Log: true},
				{Name: "lambda", Min: 1, Max: 100, Log: true}},
			Default: Params{"factors": float64(d.Factors), "iterations": float64(d.Iterations), "alpha": d.Alpha, "lambda": d.Lambda},
			New: func(p Params) (model.Recommender, error) {
				o := model.DefaultALSOptions()
				o.Factors, o.Iterations, o.Alpha, o.Lambda = int(p["factors"]), int(p["iterations"]), p["alpha"], p["lambda"]
				if err := o.Validate(); err != nil {
					return nil, err
				}
				return model.NewALS(o), nil
			}}
	},
	"bpr": func() *Space {
		d := model.DefaultBPROptions()
		return &Space{Model: "bpr", Section: "bpr", Budget: "epochs",
			Params: []Param{{Name: "factors", Int: true, Choices: factorChoices},
				{Name: "epochs", Int: true, Min: 30, Max: 200, Log: true},
				{Name: "learning_rate", Min: 0.01, Max: 0.3, Log: true},
				{Name: "lambda", Min: 1e-4, Max: 0.1, Log: true}},
			Default: Params{"factors": float64(d.Factors), "epochs": float64(d.Epochs), "learning_rate": d.LearningRate, "lambda": d.Lambda},
			New: func(p Params) (model.Recommender, error) {
				o := model.DefaultBPROptions()
				o.Factors, o.Epochs, o.LearningRate, o.Lambda = int(p["factors"]), int(p["epochs"]), p["learning_rate"], p["lambda"]
				if err := o.Validate(); err != nil {
					return nil, err
				}
				return model.NewBPR(o), nil
			}}
	},
	"ease": func() *Space {
		d := model.DefaultEASEOptions()
		return &Space{Model: "ease", Section: "ease",
			Params: []Param{{Name: "lambda", Min: 20, Max: 2000, Log: true},
				{Name: "min_count", Int: true, Min: 1, Max: 10}},
			Default: Params{"lambda": d.Lambda, "min_count": float64(d.MinCount)},
			New: func(p Params) (model.Recommender, error) {
				o := model.DefaultEASEOptions()
				o.Lambda, o.MinCount = p["lambda"], int(p["min_count"])
				return model.NewEASE(o), nil // EASE validates in Fit
			}}
	},
	"itemknn": func() *Space {
		d := model.DefaultItemKNNOptions()
		return &Space{Model: "itemknn", Section: "knn",
			Params: []Param{{Name: "score_neighbors", Int: true, Min: 5, Max: 100, Log: true},
				{Name: "shrink", Min: 0, Max: 100},
				{Name: "alpha", Min: 0.2, Max: 0.9}},
			Default: Params{"score_neighbors": float64(d.ScoreNeighbors), "shrink": d.Shrink, "alpha": d.Alpha},
			New: func(p Params) (model.Recommender, error) {
				o := model.DefaultItemKNNOptions()
				o.ScoreNeighbors, o.Shrink, o.Alpha = int(p["score_neighbors"]), p["shrink"], p["alpha"]
				o.Neighbors = max(o.Neighbors, o.ScoreNeighbors)
				if err := o.Validate(); err != nil {
					return nil, recd.Invalid("knn", err.Error())
				}
				return model.NewItemKNN(o), nil
			}}
	},
	"ncf": func() *Space {
		d := model.DefaultNCFOptions()
		return &Space{Model: "ncf", Section: "ncf", Budget: "epochs",
			Params: []Param{{Name: "gmf_dim", Int: true, Choices: []float64{8, 16, 32}},
				{Name: "mlp_dim", Int: true, Choices: []float64{16, 32, 64}},
				{Name: "epochs", Int: true, Min: 3, Max: 12},
				{Name: "negatives", Int: true, Min: 2, Max: 12},
				{Name: "learning_rate", Min: 3e-4, Max: 3e-3, Log: true},
				{Name: "reg", Min: 1e-4, Max: 0.1, Log: true}},
			Default: Params{"gmf_dim": float64(d.GMFDim), "mlp_dim": float64(d.MLPDim), "epochs": float64(d.Epochs),
				"negatives": float64(d.Negatives), "learning_rate": d.LearningRate, "reg": d.Reg},
			New: func(p Params) (model.Recommender, error) {
				o := model.DefaultNCFOptions()
				o.GMFDim, o.MLPDim, o.Epochs, o.Negatives = int(p["gmf_dim"]), int(p["mlp_dim"]), int(p["epochs"]), int(p["negatives"])
				o.LearningRate, o.Reg = p["learning_rate"], p["reg"]
				return model.NewNCF(o), nil // NCF validates in Fit
			}}
	},
}
