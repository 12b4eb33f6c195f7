package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Experiment is the body of PUT /v1/experiments/{id}.
type Experiment struct {
	Design   string    `json:"design"` // ab or interleaving
	Unit     string    `json:"unit"`   // user or session
	Variants []Variant `json:"variants"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
}

// Variant is one arm of an experiment: its share of traffic and the ranking overrides it
// serves with.
type Variant struct {
	Name      string         `json:"name"`
	Weight    float64        `json:"weight"`
	Overrides map[string]any `json:"overrides,omitempty"`
}

// Interval is an estimate with its 95% confidence interval.
type Interval struct {
	Value float64 `json:"value"`
	Low   float64 `json:"low"`
	High  float64 `json:"high"`
}

// Report is the answer of GET /v1/experiments/{id}/report, as far as the simulator reads it.
type Report struct {
	PrimaryMetric string          `json:"primary_metric"`
	Variants      []VariantReport `json:"variants"`
	SRM           struct {
		ChiSquare float64 `json:"chi_square"`
		PValue    float64 `json:"p_value"`
		OK        bool    `json:"ok"`
	} `json:"srm"`
	Conclusive   bool   `json:"conclusive"`
	Reason       string `json:"reason"`
	Interleaving *struct {
		Wins            int     `json:"wins"`
		Losses          int     `json:"losses"`
		Ties            int     `json:"ties"`
		PreferenceShare float64 `json:"preference_share"`
		PValue          float64 `json:"p_value"`
	} `json:"interleaving,omitempty"`
}

// VariantReport is one variant's line of a report.
type VariantReport struct {
	Name        string    `json:"name"`
	Users       int       `json:"users"`
	Impressions int       `json:"impressions"`
	Clicks      int       `json:"clicks"`
	Conversions int       `json:"conversions"`
	CTR         Interval  `json:"ctr"`
	Lift        *Interval `json:"lift,omitempty"`
	PValue      *float64  `json:"p_value,omitempty"`
}

// Variant returns the report's line of the named variant, or nil.
func (r *Report) Variant(name string) *VariantReport {
	for i := range r.Variants {
		if r.Variants[i].Name == name {
			return &r.Variants[i]
		}
	}
	return nil
}

// Admin calls the experiment routes of one server with an admin key. The Go client has no
// experiment methods yet, so these go through plain HTTP with the same key.
type Admin struct {
	base string
	key  string
	hc   *http.Client
}

// NewAdmin returns the experiment caller of the server at base.
func NewAdmin(base, key string) *Admin {
	return &Admin{base: base, key: key, hc: &http.Client{Timeout: 60 * time.Second}}
}

// PutExperiment creates or replaces experiment id. A server without experiment routes
// answers ErrNoExperiments.
func (a *Admin) PutExperiment(ctx context.Context, id string, e Experiment) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return a.call(ctx, http.MethodPut, "/v1/experiments/"+url.PathEscape(id), b, nil)
}

// DeleteExperiment ends experiment id.
func (a *Admin) DeleteExperiment(ctx context.Context, id string) error {
	return a.call(ctx, http.MethodDelete, "/v1/experiments/"+url.PathEscape(id), nil, nil)
}

// Report fetches experiment id's report.
func (a *Admin) Report(ctx context.Context, id string) (*Report, error) {
	var r Report
	if err := a.call(ctx, http.MethodGet, "/v1/experiments/"+url.PathEscape(id)+"/report", nil, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

func (a *Admin) call(ctx context.Context, method, path string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if a.key != "" {
		req.Header.Set("Authorization", "Bearer "+a.key)
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return fmt.Errorf("sim: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("sim: %s %s: %w", method, path, err)
	}
	switch {
	case resp.StatusCode == http.StatusNotFound && method == http.MethodPut:
		return ErrNoExperiments
	case resp.StatusCode/100 != 2:
		return fmt.Errorf("sim: %s %s: %d %s", method, path, resp.StatusCode, bytes.TrimSpace(b))
	case out != nil:
		return json.Unmarshal(b, out)
	}
	return nil
}
