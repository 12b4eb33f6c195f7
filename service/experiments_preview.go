package service

import (
	"context"
	"fmt"

	"github.com/recd/recd"
	"github.com/recd/recd/rank"
)

// VariantPreview is one variant's list in an experiment preview.
type VariantPreview struct {
	Name     string                `json:"name"`
	Strategy string                `json:"strategy"`
	Items    []recd.Recommendation `json:"items"`
	// ModelVersion and Scorer say what ranked the list; ModelFallback is set when the
	// variant pins a version that is not loaded (only the running experiment's pins are).
	ModelVersion  string `json:"model_version,omitempty"`
	Scorer        string `json:"scorer,omitempty"`
	ModelFallback string `json:"model_fallback,omitempty"`
}

// ExperimentPreview is a user's list under each variant of an experiment, side by side.
type ExperimentPreview struct {
	Experiment string           `json:"experiment"`
	UserID     string           `json:"user_id"`
	Variants   []VariantPreview `json:"variants"`
}

// PreviewExperiment ranks user's list (n items) under each variant of experiment id, whatever
// its status, for the operator page: the user is not assigned, nothing is recorded as an
// impression, and the lists count toward no exposure or rotation. An unknown experiment is
// ErrNotFound.
func (s *Service) PreviewExperiment(ctx context.Context, id, user string, n int) (ExperimentPreview, error) {
	info, err := s.exps.get(ctx, id)
	if err != nil {
		return ExperimentPreview{}, err
	}
	req := RecommendRequest{UserID: user, N: n, preview: true}
	if err := req.validate(s.read.opts.Limits); err != nil {
		return ExperimentPreview{}, err
	}
	r := &running{x: info.Experiment}
	for i, v := range r.x.Variants {
		k, err := v.Overrides.Knobs(fmt.Sprintf("variants[%d].overrides", i))
		if err != nil {
			return ExperimentPreview{}, err
		}
		r.knobs = append(r.knobs, k)
	}
	defer s.read.gate.rlock(user)()
	out := ExperimentPreview{Experiment: id, UserID: user, Variants: make([]VariantPreview, len(r.x.Variants))}
	for i, v := range r.x.Variants {
		var resp rank.Response
		if resp, err = s.read.recommend(ctx, r.withKnobs(req, i)); err != nil {
			return ExperimentPreview{}, err
		}
		out.Variants[i] = VariantPreview{Name: v.Name, Strategy: resp.Strategy, Items: resp.Items,
			ModelVersion: resp.ModelVersion, Scorer: resp.Scorer, ModelFallback: resp.ModelFallback}
	}
	return out, nil
}
