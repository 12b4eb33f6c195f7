package served

import (
	"maps"
	"slices"

	"github.com/recd/recd"
	"github.com/recd/recd/eval"
	"github.com/recd/recd/model"
	"github.com/recd/recd/service"
)

// Section is where Space's parameters go in recd's configuration file.
const Section = "rank.weights"

// searched are the blend weights Space searches, with their ranges relative to EASE's (the
// blend divides by the total weight, so only the ratios matter).
var searched = []eval.Param{{Name: "itemknn", Min: 0, Max: 1.5}, {Name: "cf", Min: 0, Max: 2},
	{Name: "content", Min: 0, Max: 0.5}, {Name: "popular", Min: 0, Max: 0.2}}

// Space returns the search space of the served pipeline's blend weights (rank.weights) for
// eval.Tune. The weights it does not search (EASE's, the session's, a source the
// configuration adds) keep their configured values: they are parameters of one choice, so
// the written configuration names them as well. Each trial is a Pipeline on opts with
// those weights, fitted on the catalog items; the tuner closes it once it is scored.
func Space(opts service.Options, items []recd.Item, open Backends) *eval.Space {
	params := slices.Clone(searched)
	for _, name := range slices.Sorted(maps.Keys(opts.Rank.Weights)) {
		if !slices.ContainsFunc(params, func(p eval.Param) bool { return p.Name == name }) {
			params = append(params, eval.Param{Name: name, Choices: []float64{opts.Rank.Weights[name]}})
		}
	}
	def := eval.Params{}
	for _, p := range params {
		w, ok := opts.Rank.Weights[p.Name]
		if !ok {
			w = 1 // a source the weights do not name has the blend's default weight
		}
		def[p.Name] = w
	}
	return &eval.Space{Model: Name, Section: Section, Params: params, Default: def,
		New: func(p eval.Params) (model.Recommender, error) {
			o := opts
			o.Rank.Weights = maps.Clone(opts.Rank.Weights)
			if o.Rank.Weights == nil {
				o.Rank.Weights = map[string]float64{}
			}
			maps.Copy(o.Rank.Weights, p)
			pl := New(o, open, nil)
			pl.SetItems(items)
			return pl, nil
		}}
}
