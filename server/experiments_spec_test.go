package server_test

import (
	"context"
	"encoding/json"

	"github.com/recd/recd/experiment"
	"github.com/recd/recd/server"
	"github.com/recd/recd/service"
)

var _ server.Experimenter = (*specBackend)(nil)

// specExperiment is a valid experiment with every field and override set.
func specExperiment() service.ExperimentInfo {
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	return service.ExperimentInfo{Status: experiment.StatusRunning, Experiment: experiment.Experiment{ID: "x",
		Design: experiment.DesignAB, Unit: experiment.UnitUser, Start: specTime, End: specTime.Add(1e12), Created: specTime,
		Variants: []experiment.Variant{{Name: "control", Weight: 1}, {Name: "b", Weight: 1, Overrides: experiment.Overrides{
			"diversity": raw("0.5"), "calibration": raw("0.5"), "long_tail_share": raw("0.5"), "session_weight": raw("0.5"),
			"exposure_strength": raw("1"), "weights": raw(`{"cf":1}`), "sources": raw(`["cf","popular"]`)}}}}}
}

func (b *specBackend) PutExperiment(context.Context, experiment.Experiment) (service.ExperimentInfo, bool, error) {
	return specExperiment(), true, b.err("PutExperiment")
}
func (b *specBackend) GetExperiment(context.Context, string) (service.ExperimentInfo, error) {
	return specExperiment(), b.err("GetExperiment")
}
func (b *specBackend) ListExperiments(context.Context) ([]service.ExperimentInfo, error) {
	return []service.ExperimentInfo{specExperiment()}, b.err("ListExperiments")
}
func (b *specBackend) DeleteExperiment(context.Context, string) error {
	return b.err("DeleteExperiment")
}
func (b *specBackend) ExperimentReport(context.Context, string) (experiment.Report, error) {
	return filled[experiment.Report](), b.err("ExperimentReport")
}
