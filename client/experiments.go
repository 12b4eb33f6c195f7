package client

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/recd/recd"
)

// Experiment is an online experiment (PUT /v1/experiments/{id}). Design is "ab" (default) or
// "interleaving", Unit "user" (default) or "session"; the first variant is the control.
// Created and Status are set by the server.
type Experiment struct {
	ID       string              `json:"id,omitempty"`
	Design   string              `json:"design,omitempty"`
	Unit     string              `json:"unit,omitempty"`
	Variants []ExperimentVariant `json:"variants"`
	Start    time.Time           `json:"start"`
	End      time.Time           `json:"end"`
	Created  *time.Time          `json:"created,omitempty"`
	Status   string              `json:"status,omitempty"` // scheduled, running or finished
}

// ExperimentVariant is one arm: its weight and the ranking knobs it overrides (diversity,
// calibration, long_tail_share, session_weight, exposure_strength, weights, sources).
type ExperimentVariant struct {
	Name      string         `json:"name"`
	Weight    float64        `json:"weight"`
	Overrides map[string]any `json:"overrides,omitempty"`
}

// experimentList is the answer of GET /v1/experiments.
type experimentList struct {
	Experiments []Experiment `json:"experiments"`
}

// Estimate is a value with its 95% confidence interval.
type Estimate struct {
	Value float64 `json:"value"`
	Low   float64 `json:"low"`
	High  float64 `json:"high"`
}

// ExperimentReport is an experiment's outcome (GET /v1/experiments/{id}/report).
type ExperimentReport struct {
	Experiment    string          `json:"experiment"`
	Design        string          `json:"design"`
	Status        string          `json:"status"`
	PrimaryMetric string          `json:"primary_metric"`
	Variants      []VariantReport `json:"variants"`
	SRM           SRMCheck        `json:"srm"`
	// Interleaving is the preference test of an interleaving experiment.
	Interleaving *InterleavingResult `json:"interleaving,omitempty"`
	Conclusive   bool                `json:"conclusive"`
	Reason       string              `json:"reason,omitempty"`
}

// VariantReport is one variant's counts and per-user CTR; Lift and PValue compare it with the
// control (absent for the control).
type VariantReport struct {
	Name        string    `json:"name"`
	Weight      float64   `json:"weight"`
	Users       int       `json:"users"`
	Impressions int       `json:"impressions"`
	Clicks      int       `json:"clicks"`
	Conversions int       `json:"conversions"`
	CTR         Estimate  `json:"ctr"`
	Lift        *Estimate `json:"lift,omitempty"`
	PValue      *float64  `json:"p_value,omitempty"`
}

// SRMCheck is the sample-ratio-mismatch check; OK is false when the split is broken.
type SRMCheck struct {
	ChiSquare float64 `json:"chi_square"`
	PValue    float64 `json:"p_value"`
	OK        bool    `json:"ok"`
}

// InterleavingResult counts the interleaved lists won, lost and tied by the first variant,
// and the units (users or sessions) whose credited clicks favour either; PValue is the t-test
// of Difference, the mean over units of clicks credited to the first variant minus the second.
type InterleavingResult struct {
	Wins            int      `json:"wins"`
	Losses          int      `json:"losses"`
	Ties            int      `json:"ties"`
	PreferenceShare float64  `json:"preference_share"`
	Users           int      `json:"users"`
	UserWins        int      `json:"user_wins"`
	UserLosses      int      `json:"user_losses"`
	Difference      Estimate `json:"difference"`
	PValue          float64  `json:"p_value"`
}

// PutExperiment creates or replaces the experiment x.ID (admin role) and returns it as
// stored, with its status.
func (c *Client) PutExperiment(ctx context.Context, x Experiment) (Experiment, error) {
	var out Experiment
	x.Created, x.Status = nil, ""
	b, err := jsonBody(x)
	if err != nil {
		return out, err
	}
	err = c.do(ctx, &call{ep: epPutExperiment, params: []string{x.ID}, body: b}, &out)
	return out, err
}

// GetExperiment returns one experiment; IsNotFound(err) when there is none.
func (c *Client) GetExperiment(ctx context.Context, id string) (Experiment, error) {
	var out Experiment
	err := c.do(ctx, &call{ep: epGetExperiment, params: []string{id}}, &out)
	return out, err
}

// ListExperiments returns every experiment with its status.
func (c *Client) ListExperiments(ctx context.Context) ([]Experiment, error) {
	var out experimentList
	err := c.do(ctx, &call{ep: epListExperiments}, &out)
	return out.Experiments, err
}

// DeleteExperiment deletes an experiment (admin role).
func (c *Client) DeleteExperiment(ctx context.Context, id string) error {
	return c.do(ctx, &call{ep: epDeleteExperiment, params: []string{id}}, nil)
}

// ExperimentReport returns the experiment's report.
func (c *Client) ExperimentReport(ctx context.Context, id string) (ExperimentReport, error) {
	var out ExperimentReport
	err := c.do(ctx, &call{ep: epExperimentReport, params: []string{id}}, &out)
	return out, err
}

// VariantPreview is one variant's list in an ExperimentPreview.
type VariantPreview struct {
	Name     string                `json:"name"`
	Strategy string                `json:"strategy"`
	Items    []recd.Recommendation `json:"items"`
	// ModelVersion and Scorer say what ranked the list; ModelFallback why a pinned version
	// did not.
	ModelVersion  string `json:"model_version,omitempty"`
	Scorer        string `json:"scorer,omitempty"`
	ModelFallback string `json:"model_fallback,omitempty"`
}

// ExperimentPreview is a user's list under each variant of an experiment
// (GET /v1/experiments/{id}/preview).
type ExperimentPreview struct {
	Experiment string           `json:"experiment"`
	UserID     string           `json:"user_id"`
	Variants   []VariantPreview `json:"variants"`
}

// PreviewExperiment returns userID's list of n items under each variant of the experiment
// (admin role): the user is not assigned and nothing is recorded.
func (c *Client) PreviewExperiment(ctx context.Context, id, userID string, n int) (ExperimentPreview, error) {
	var out ExperimentPreview
	q := url.Values{"user_id": {userID}}
	if n > 0 {
		q.Set("n", strconv.Itoa(n))
	}
	err := c.do(ctx, &call{ep: epPreviewExperiment, params: []string{id}, query: q}, &out)
	return out, err
}
