package eval

import "github.com/recd/recd/model"

// DefaultModels returns the constructors `recd eval` compares by default: popularity and
// every model with a search space (SpaceNames), each built from its space's defaults, so
// that an evaluated model and a tuning trial at the defaults are the same model.
func DefaultModels() map[string]func() model.Recommender {
	out := map[string]func() model.Recommender{
		"popularity": func() model.Recommender { return model.NewPopularity() },
	}
	for name, space := range spaces {
		out[name] = func() model.Recommender {
			s := space()
			rec, err := s.New(s.Default)
			if err != nil {
				// The defaults are validated by TestDefaultModels; a failure here is a bug.
				panic("eval: default " + name + ": " + err.Error())
			}
			return rec
		}
	}
	return out
}
