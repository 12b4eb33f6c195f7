package rank

import "slices"

// logFeatures copies the feature rows of the returned candidates into the response when the
// request asked for them and the ranker scored the list: at most n rows, each of the feature
// set's width, so what a logged list holds is bounded by the request's n.
func (r *request) logFeatures(cands []Candidate) {
	if !r.req.LogFeatures || r.ranker == nil {
		return
	}
	fs := r.rankerFeatures()
	nf := len(fs.Names)
	f := &FeatureRows{Names: fs.Names, Rows: make([][]float32, len(cands))}
	for i := range cands {
		if row := r.ranker.of(cands[i].ID, nf); row != nil {
			f.Rows[i] = slices.Clone(row)
		} else {
			f.Rows[i] = []float32{}
		}
	}
	r.resp.Features = f
}
