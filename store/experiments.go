package store

import (
	"context"
	"time"
)

// ExperimentRecord is one stored experiment definition. The store does not read Spec.
type ExperimentRecord struct {
	ID string
	// Spec is the definition in the service's own encoding (opaque to the store).
	Spec string
	// Created is when the id was first stored (kept when the definition is replaced);
	// Updated when it was last written. Both are returned in UTC.
	Created time.Time
	Updated time.Time
}

// ExperimentList is one list served under an experiment, with the events attributed to it.
type ExperimentList struct {
	Impression
	// Events are the events that cite the list's recommendation id, in store order.
	Events []AttributedEvent
}

// AttributedEvent is what an experiment's report needs of an event attributed to a list.
type AttributedEvent struct {
	ItemID   string
	Type     string
	Position int // -1 when unknown
}

// Experiments is implemented by stores that hold experiment definitions. Check for it with a
// type assertion; without it the experiment routes answer that experiments are unavailable.
type Experiments interface {
	// PutExperiment stores rec under rec.ID, replacing a stored definition (whose Created
	// it keeps), and reports whether the id was new.
	PutExperiment(ctx context.Context, rec ExperimentRecord) (created bool, err error)
	// GetExperiment returns one definition, or ErrNotFound.
	GetExperiment(ctx context.Context, id string) (ExperimentRecord, error)
	// ListExperiments returns every definition, by id.
	ListExperiments(ctx context.Context) ([]ExperimentRecord, error)
	// DeleteExperiment deletes one definition, or returns ErrNotFound. The lists served
	// under it stay until retention removes them.
	DeleteExperiment(ctx context.Context, id string) error
	// ScanExperimentLists calls fn for every stored impression whose Experiment is
	// experiment, with the events attributed to it, in recommendation-id order. An error
	// from fn stops the scan and is returned.
	ScanExperimentLists(ctx context.Context, experiment string, fn func(ExperimentList) error) error
}
