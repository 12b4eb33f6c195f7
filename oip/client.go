// Package oip is a client of the Open Inference Protocol (KServe v2 REST), which Triton,
// KServe, Seldon and TorchServe speak: it sends a learned ranker's feature matrix to an
// external model server and reads back one score per row (ranker.backend: remote).
package oip

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/recd/recd/rank"
)

// InputName is the name of the one input tensor sent: the candidates' feature rows.
const InputName = "features"

// ErrProtocol is returned for an answer that is not a valid inference response for the rows
// sent (wrong count, datatype or a value that is not a finite number).
var ErrProtocol = errors.New("oip: bad inference response")

// Client scores feature rows with a model on an inference server: POST
// {BaseURL}/v2/models/{Model}/infer. It is immutable and safe for concurrent use; the
// deadline is the caller's context.
type Client struct {
	infer string
	http  *http.Client
}

var _ rank.RemoteRanker = (*Client)(nil)

// New returns a client of the model named model at baseURL (http or https); hc nil means
// http.DefaultClient.
func New(baseURL, model string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("oip: base URL %q: want http(s)://host[:port][/path]", baseURL)
	}
	if model == "" || strings.ContainsAny(model, "/?#") {
		return nil, fmt.Errorf("oip: model name %q: want a non-empty name without / ? #", model)
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{infer: u.String() + "/v2/models/" + url.PathEscape(model) + "/infer", http: hc}, nil
}

// tensor is an input or output tensor of the protocol's JSON form.
type tensor struct {
	Name       string         `json:"name"`
	Shape      []int          `json:"shape"`
	Datatype   string         `json:"datatype"`
	Parameters map[string]any `json:"parameters,omitempty"`
	Data       any            `json:"data"`
}

type inferRequest struct {
	Inputs []tensor `json:"inputs"`
}

type inferResponse struct {
	ModelName string `json:"model_name"`
	Outputs   []struct {
		Name     string            `json:"name"`
		Shape    []int             `json:"shape"`
		Datatype string            `json:"datatype"`
		Data     []json.RawMessage `json:"data"`
	} `json:"outputs"`
	Error string `json:"error"`
}

// ScoreRows sends the rows of X (row-major, len(names) columns) as one FP32 input of shape
// [rows, len(names)] named "features", with the feature names (comma-separated) and their
// hash (rank.HashFeatures, hex) as its parameters feature_names and feature_set, so that a
// server holding a model of another feature set can refuse the request. It returns
// outputs[0].data as the scores, one a row.
func (c *Client) ScoreRows(ctx context.Context, names []string, X []float32, rows int) ([]float64, error) {
	nf := len(names)
	if rows < 0 || len(X) < rows*nf {
		return nil, fmt.Errorf("oip: %d values for %d rows of %d features", len(X), rows, nf)
	}
	body, err := json.Marshal(inferRequest{Inputs: []tensor{{Name: InputName, Shape: []int{rows, nf}, Datatype: "FP32",
		Parameters: map[string]any{"feature_names": strings.Join(names, ","),
			"feature_set": strconv.FormatUint(rank.HashFeatures(names), 16)},
		Data: X[:rows*nf]}}})
	if err != nil {
		return nil, fmt.Errorf("oip: encode: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.infer, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("oip: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("oip: infer: %w", err)
	}
	defer resp.Body.Close()
	// A score is at most ~25 bytes of JSON; the envelope and an error message get 64 KiB.
	raw, err := io.ReadAll(io.LimitReader(resp.Body, int64(rows)*32+64<<10))
	if err != nil {
		return nil, fmt.Errorf("oip: read answer: %w", err)
	}
	var ir inferResponse
	jerr := json.Unmarshal(raw, &ir)
	if resp.StatusCode != http.StatusOK {
		msg := ir.Error
		if jerr != nil || msg == "" {
			msg = strings.TrimSpace(string(raw[:min(len(raw), 200)]))
		}
		return nil, fmt.Errorf("oip: infer answered %d: %s", resp.StatusCode, msg)
	}
	if jerr != nil {
		return nil, fmt.Errorf("%w: %v", ErrProtocol, jerr)
	}
	return scores(&ir, rows)
}

// scores checks the first output against the rows sent and returns its values.
func scores(ir *inferResponse, rows int) ([]float64, error) {
	if len(ir.Outputs) == 0 {
		return nil, fmt.Errorf("%w: no outputs", ErrProtocol)
	}
	o := ir.Outputs[0]
	switch o.Datatype {
	case "FP32", "FP64", "FP16", "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64":
	default:
		return nil, fmt.Errorf("%w: output datatype %q is not numeric", ErrProtocol, o.Datatype)
	}
	if len(o.Data) != rows {
		return nil, fmt.Errorf("%w: %d scores for %d rows", ErrProtocol, len(o.Data), rows)
	}
	out := make([]float64, rows)
	for i, d := range o.Data {
		v, err := strconv.ParseFloat(string(d), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%w: score %d is %s", ErrProtocol, i, d)
		}
		out[i] = v
	}
	return out, nil
}
