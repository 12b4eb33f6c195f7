package sim

import (
	"context"
	"errors"
	"net/http"

	"github.com/recd/recd/client"
)

// The experiment types are the Go client's: the simulator talks to the server as any client
// does.
type (
	// Experiment is the body of PUT /v1/experiments/{id}.
	Experiment = client.Experiment
	// Variant is one arm: its share of traffic and the ranking overrides it serves with.
	Variant = client.ExperimentVariant
	// Report is the answer of GET /v1/experiments/{id}/report.
	Report = client.ExperimentReport
	// VariantReport is one variant's line of a report.
	VariantReport = client.VariantReport
)

// ReportVariant returns r's line of the named variant, or nil.
func ReportVariant(r *Report, name string) *VariantReport {
	for i := range r.Variants {
		if r.Variants[i].Name == name {
			return &r.Variants[i]
		}
	}
	return nil
}

// Admin calls the experiment routes of one server with an admin key.
type Admin struct{ c *client.Client }

// NewAdmin returns the experiment caller of the server at base ("" key: none).
func NewAdmin(base, key string) (*Admin, error) {
	c, err := newClient(base, key)
	if err != nil {
		return nil, err
	}
	return &Admin{c: c}, nil
}

func newClient(base, key string, opts ...client.Option) (*client.Client, error) {
	if key != "" {
		opts = append(opts, client.WithAPIKey(key))
	}
	return client.New(base, opts...)
}

// PutExperiment creates or replaces experiment id. A server without experiment routes
// answers ErrNoExperiments.
func (a *Admin) PutExperiment(ctx context.Context, id string, e Experiment) error {
	e.ID = id
	_, err := a.c.PutExperiment(ctx, e)
	var ce *client.Error
	if errors.As(err, &ce) && ce.StatusCode == http.StatusNotFound {
		return ErrNoExperiments
	}
	return err
}

// DeleteExperiment ends experiment id.
func (a *Admin) DeleteExperiment(ctx context.Context, id string) error {
	return a.c.DeleteExperiment(ctx, id)
}

// Report fetches experiment id's report.
func (a *Admin) Report(ctx context.Context, id string) (*Report, error) {
	r, err := a.c.ExperimentReport(ctx, id)
	if err != nil {
		return nil, err
	}
	return &r, nil
}
