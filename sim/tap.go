package sim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
)

// servedList is what the simulator reads of a served list on the wire: the client's
// Recommendations type does not (yet) carry the experiment fields, so a tap on the transport
// reads them from the same bytes the client decodes.
type servedList struct {
	RecommendationID string `json:"recommendation_id"`
	Experiment       string `json:"experiment"`
	Variant          string `json:"variant"`
	Items            []struct {
		ID      string `json:"id"`
		Variant string `json:"variant"`
	} `json:"items"`
}

// tap is an http.RoundTripper that keeps the last recommendation list answered through it.
// mu guards last. One simulated user at a time goes through one tap, so "last" is the
// answer of the call that just returned.
type tap struct {
	next http.RoundTripper
	mu   sync.Mutex
	last servedList
}

// maxListBody bounds the bytes the tap reads of one answer.
const maxListBody = 4 << 20

func (t *tap) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusOK || !strings.HasSuffix(req.URL.Path, "/recommendations") {
		return resp, err
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxListBody))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	var l servedList
	if json.Unmarshal(b, &l) == nil {
		t.mu.Lock()
		t.last = l
		t.mu.Unlock()
	}
	return resp, nil
}

// take returns and forgets the last list.
func (t *tap) take() servedList {
	t.mu.Lock()
	defer t.mu.Unlock()
	l := t.last
	t.last = servedList{}
	return l
}
