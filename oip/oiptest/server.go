// Package oiptest is a test double of an Open Inference Protocol (KServe v2 REST) model
// server: the infer route only, scoring rows with a function the test gives.
package oiptest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Request is what the double received in one infer call.
type Request struct {
	Model        string
	InputName    string
	Shape        []int
	Datatype     string
	FeatureNames []string
	FeatureSet   string
	X            []float32
}

// Server is a model server double: POST /v2/models/{name}/infer with one FP32 input of shape
// [rows, features] answers {"model_name", "outputs":[{"name":"scores","shape":[rows],
// "datatype":"FP64","data":[...]}]} with Score's values. Its fields may be set before the
// first request; Delay, Status and Calls are guarded by mu. Safe for concurrent use.
type Server struct {
	*httptest.Server
	Model string // the model it serves; another name answers 404
	// Score scores the rows of X (row-major, len(names) columns).
	Score func(names []string, X []float32, rows int) []float64
	mu    sync.Mutex
	delay time.Duration
	fail  int // a status to answer instead of scores; 0 none
	last  Request
	calls int
}

// NewServer starts a double serving model with score.
func NewServer(model string, score func(names []string, X []float32, rows int) []float64) *Server {
	s := &Server{Model: model, Score: score}
	s.Server = httptest.NewServer(http.HandlerFunc(s.infer))
	return s
}

// SetDelay makes every answer wait d (a slow model server); SetFail makes it answer status
// with an error body (0: scores again).
func (s *Server) SetDelay(d time.Duration) { s.mu.Lock(); s.delay = d; s.mu.Unlock() }
func (s *Server) SetFail(status int)       { s.mu.Lock(); s.fail = status; s.mu.Unlock() }

// Last returns the last request decoded and how many infer calls came.
func (s *Server) Last() (Request, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last, s.calls
}

type input struct {
	Name       string         `json:"name"`
	Shape      []int          `json:"shape"`
	Datatype   string         `json:"datatype"`
	Parameters map[string]any `json:"parameters"`
	Data       []float32      `json:"data"`
}

func (s *Server) infer(w http.ResponseWriter, r *http.Request) {
	model, ok := strings.CutPrefix(r.URL.Path, "/v2/models/")
	model, ok2 := strings.CutSuffix(model, "/infer")
	if r.Method != http.MethodPost || !ok || !ok2 || model != s.Model {
		writeError(w, http.StatusNotFound, "no such model or route")
		return
	}
	var body struct{ Inputs []input }
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || len(body.Inputs) != 1 {
		writeError(w, http.StatusBadRequest, "want one input")
		return
	}
	in := body.Inputs[0]
	if in.Datatype != "FP32" || len(in.Shape) != 2 || in.Shape[0]*in.Shape[1] != len(in.Data) {
		writeError(w, http.StatusBadRequest, "want an FP32 input of shape [rows, features] and its data")
		return
	}
	names, _ := in.Parameters["feature_names"].(string)
	set, _ := in.Parameters["feature_set"].(string)
	s.mu.Lock()
	s.last = Request{Model: model, InputName: in.Name, Shape: in.Shape, Datatype: in.Datatype,
		FeatureNames: strings.Split(names, ","), FeatureSet: set, X: in.Data}
	s.calls++
	delay, fail := s.delay, s.fail
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if fail != 0 {
		writeError(w, fail, "model failed")
		return
	}
	scores := s.Score(strings.Split(names, ","), in.Data, in.Shape[0])
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"model_name": model, "outputs": []map[string]any{{
		"name": "scores", "shape": []int{len(scores)}, "datatype": "FP64", "data": scores}}})
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}
