package service

import (
	"context"

	"github.com/recd/recd/experiment"
)

// PutExperiment validates and stores an experiment (replacing one of the same id) and
// reports whether the id was new. It is refused with ErrInvalid naming the field when the
// definition is invalid, when its span overlaps that of another experiment not yet finished
// (field start: one experiment runs at a time), or when it would be the 33rd stored. This
// replica serves it at once; the others within Options.ExperimentRefresh.
func (s *Service) PutExperiment(ctx context.Context, x experiment.Experiment) (ExperimentInfo, bool, error) {
	return s.exps.put(ctx, x)
}

// GetExperiment returns one experiment with its status, or ErrNotFound.
func (s *Service) GetExperiment(ctx context.Context, id string) (ExperimentInfo, error) {
	return s.exps.get(ctx, id)
}

// ListExperiments returns every stored experiment with its status, by id.
func (s *Service) ListExperiments(ctx context.Context) ([]ExperimentInfo, error) {
	return s.exps.list(ctx)
}

// DeleteExperiment deletes an experiment, or returns ErrNotFound. It stops being served at
// once on this replica, within Options.ExperimentRefresh on the others; the lists served
// under it stay until feedback.retention removes them.
func (s *Service) DeleteExperiment(ctx context.Context, id string) error {
	return s.exps.delete(ctx, id)
}

// RunExperiments rereads the experiment definitions every Options.ExperimentRefresh (default
// DefaultExperimentRefresh) until ctx ends, so that writes through other replicas take effect
// here. It returns at once when the store holds no experiments. Call it once, from its own
// goroutine.
func (s *Service) RunExperiments(ctx context.Context) {
	every := s.opts.ExperimentRefresh
	if every <= 0 {
		every = DefaultExperimentRefresh
	}
	s.exps.run(ctx, every)
}

// RefreshExperiments rereads the experiment definitions now (RunExperiments does it on its
// own); tests use it to stand for the next refresh.
func (s *Service) RefreshExperiments(ctx context.Context) error { return s.exps.refresh(ctx) }
