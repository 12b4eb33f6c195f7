// Package openaitest is a test double of the OpenAI chat completions protocol: an
// httptest server answering POST /v1/chat/completions as a script says, counting and
// recording the requests, for tests of describers that must not call a hosted model.
package openaitest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Request is one chat completion request as the double received it.
type Request struct {
	N      int // 1 for the first request the server received
	Model  string
	System string
	User   string
}

// Data returns the JSON between the <item-data> fence markers of the user message, "" if none.
func (r Request) Data() string {
	_, after, ok := strings.Cut(r.User, "<item-data>\n")
	if !ok {
		return ""
	}
	data, _, ok := strings.Cut(after, "\n</item-data>")
	if !ok {
		return ""
	}
	return data
}

// Title returns the "title" field of the fenced data, "" if none.
func (r Request) Title() string {
	var d struct {
		Title string `json:"title"`
	}
	_ = json.Unmarshal([]byte(r.Data()), &d)
	return d.Title
}

// Reply is how the double answers one request.
type Reply struct {
	// Status, when not 0 or 200, is sent with an OpenAI-style error body.
	Status int
	// RetryAfter, when set, is sent as the Retry-After header.
	RetryAfter string
	// Content is the assistant message; FinishReason defaults to "stop".
	Content      string
	FinishReason string
	// Raw, when set, is sent as the whole body instead (a malformed answer).
	Raw string
	// Delay holds the answer back (a slow model; the request's end stops the wait).
	Delay time.Duration
}

// Script decides the reply to each request; it is called concurrently.
type Script func(Request) Reply

// Describe is the default script: a plain description that names the item's own title.
func Describe(r Request) Reply {
	return Reply{Content: fmt.Sprintf("%s is a catalog item, described here by the test double of the chat API.", r.Title())}
}

// Server is the double. Safe for concurrent use: mu guards the count and the recording.
type Server struct {
	*httptest.Server
	mu       sync.Mutex
	script   Script
	n        int
	requests []Request
}

// maxRecorded bounds the requests a Server keeps; Count counts them all.
const maxRecorded = 10000

// New starts a double answering as script says (nil: Describe). Its BaseURL ends in /v1.
func New(script Script) *Server {
	if script == nil {
		script = Describe
	}
	s := &Server{script: script}
	s.Server = httptest.NewServer(http.HandlerFunc(s.handle))
	return s
}

// BaseURL is the API root to configure a client with.
func (s *Server) BaseURL() string { return s.URL + "/v1" }

// Count returns how many chat completion requests arrived.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// Requests returns the requests received so far (the first maxRecorded).
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
		http.Error(w, `{"error":{"message":"not found","type":"invalid_request_error"}}`, http.StatusNotFound)
		return
	}
	var body struct {
		Model    string `json:"model"`
		Messages []struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"messages"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, `{"error":{"message":"bad json","type":"invalid_request_error"}}`, http.StatusBadRequest)
		return
	}
	req := Request{Model: body.Model}
	for _, m := range body.Messages {
		switch m.Role {
		case "system":
			req.System = m.Content
		case "user":
			req.User = m.Content
		}
	}
	s.mu.Lock()
	s.n++
	req.N = s.n
	if len(s.requests) < maxRecorded {
		s.requests = append(s.requests, req)
	}
	s.mu.Unlock()
	s.reply(w, r, s.script(req))
}

func (s *Server) reply(w http.ResponseWriter, r *http.Request, rep Reply) {
	if rep.Delay > 0 {
		select {
		case <-time.After(rep.Delay):
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if rep.RetryAfter != "" {
		w.Header().Set("Retry-After", rep.RetryAfter)
	}
	if rep.Raw != "" {
		_, _ = w.Write([]byte(rep.Raw))
		return
	}
	if rep.Status != 0 && rep.Status != http.StatusOK {
		w.WriteHeader(rep.Status)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
			"message": http.StatusText(rep.Status), "type": "test_double", "code": rep.Status}})
		return
	}
	finish := rep.FinishReason
	if finish == "" {
		finish = "stop"
	}
	_ = json.NewEncoder(w).Encode(map[string]any{
		"id": "chatcmpl-double", "object": "chat.completion", "created": 0, "model": "double",
		"choices": []any{map[string]any{"index": 0, "finish_reason": finish,
			"message": map[string]any{"role": "assistant", "content": rep.Content}}},
		"usage": map[string]any{"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
	})
}
