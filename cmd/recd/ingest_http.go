package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/recd/recd"
)

// wireItem is an item as ingest sends it: without the server-set timestamps, which the
// server would ignore (the shallower nil fields hide the embedded ones).
type wireItem struct {
	recd.Item
	CreatedAt *struct{} `json:"created_at,omitempty"`
	UpdatedAt *struct{} `json:"updated_at,omitempty"`
}

// httpSink posts NDJSON batches to a running server.
type httpSink struct {
	base, key string
	client    *http.Client
}

func (h *httpSink) put(ctx context.Context, items []recd.Item, lines []int) ([]rejection, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, it := range items {
		if err := enc.Encode(wireItem{Item: it}); err != nil {
			return nil, err
		}
	}
	req, err := http.NewRequestWithContext(ctx, "POST", h.base+"/v1/items", &buf)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	if h.key != "" {
		req.Header.Set("Authorization", "Bearer "+h.key)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out struct {
		Stored   int `json:"stored"`
		Rejected []struct {
			Line  int    `json:"line"`
			ID    string `json:"id"`
			Error struct {
				Message string `json:"message"`
			} `json:"error"`
		} `json:"rejected"`
		Error *struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("POST /v1/items: %s: %w", resp.Status, err)
	}
	if resp.StatusCode >= 300 && resp.StatusCode != http.StatusUnprocessableEntity {
		msg := resp.Status
		if out.Error != nil {
			msg += ": " + out.Error.Message
		}
		return nil, fmt.Errorf("POST /v1/items: %s", msg)
	}
	var rj []rejection
	for _, r := range out.Rejected {
		line := r.Line
		if line >= 1 && line <= len(lines) {
			line = lines[line-1] // the server numbers the lines of this batch
		}
		rj = append(rj, rejection{Line: line, ID: r.ID, Reason: r.Error.Message})
	}
	return rj, nil
}

func (h *httpSink) close(context.Context) error { return nil }
