package client

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/recd/recd"
)

// GeneratedText is an item's description written by a language model, as a describer sends
// it: the text, the model, the item fields it was written from (empty: the server's default
// fields) and recd.SourceHash of those fields as the describer read them ("": the item as
// stored when the server receives it).
type GeneratedText struct {
	Text       string   `json:"text"`
	Model      string   `json:"model"`
	Fields     []string `json:"fields,omitempty"`
	SourceHash string   `json:"source_hash,omitempty"`
}

// PutGeneratedText stores the generated description of item id (kept apart from its text)
// and returns the item as stored; IsNotFound(err) for an unknown item. It needs a write key.
func (c *Client) PutGeneratedText(ctx context.Context, id string, g GeneratedText) (recd.Item, error) {
	var out recd.Item
	b, err := jsonBody(g)
	if err != nil {
		return out, err
	}
	err = c.do(ctx, &call{ep: epPutGenerated, params: []string{id}, body: b}, &out)
	return out, err
}

// DescribeOptions choose what a describe job started with StartDescribe asks for: only items
// whose text is short (the server's describe.min_text), and the item fields shown to the
// model (empty: the server's describe.fields).
type DescribeOptions struct {
	OnlyThin bool
	Fields   []string
}

// Job is a background job on the server: its state (running, done, failed, cancelled),
// progress and, once finished, its report.
type Job struct {
	ID       string          `json:"id"`
	Kind     string          `json:"kind"`
	State    string          `json:"state"`
	Started  time.Time       `json:"started_at"`
	Finished *time.Time      `json:"finished_at,omitempty"`
	Progress JobProgress     `json:"progress"`
	Report   *DescribeReport `json:"report,omitempty"`
	Error    string          `json:"error,omitempty"`
}

// JobProgress is where a running job stands.
type JobProgress struct {
	Total      int     `json:"total"`
	Done       int     `json:"done"`
	Written    int     `json:"written"`
	Failed     int     `json:"failed"`
	ElapsedSec float64 `json:"elapsed_seconds"`
	ETASec     float64 `json:"eta_seconds"`
}

// DescribeReport is a finished describe job's outcome.
type DescribeReport struct {
	Scanned  int               `json:"scanned"`
	Fresh    int               `json:"fresh"`
	Thick    int               `json:"thick"`
	Selected int               `json:"selected"`
	Written  int               `json:"written"`
	Failed   int               `json:"failed"`
	Failures []DescribeFailure `json:"failures,omitempty"`
	Requests int               `json:"requests"`
}

// DescribeFailure is one item a describe job could not describe; a later job asks again.
type DescribeFailure struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// StartDescribe starts a describe job on the server (admin key); IsConflict(err) while one
// runs. Follow it with Job.
func (c *Client) StartDescribe(ctx context.Context, o DescribeOptions) (Job, error) {
	q := url.Values{}
	if o.OnlyThin {
		q.Set("only_thin", "true")
	}
	if len(o.Fields) > 0 {
		q.Set("fields", strings.Join(o.Fields, ","))
	}
	var out Job
	err := c.do(ctx, &call{ep: epDescribe, query: q}, &out)
	return out, err
}

// Job returns a background job by id; IsNotFound(err) once the server no longer keeps it.
func (c *Client) Job(ctx context.Context, id string) (Job, error) {
	var out Job
	err := c.do(ctx, &call{ep: epJob, params: []string{id}}, &out)
	return out, err
}
