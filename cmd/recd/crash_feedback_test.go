package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// recordedImpressions reads recd_impressions_recorded_total from /metrics.
func recordedImpressions(t *testing.T, base string) float64 {
	t.Helper()
	r, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	sc := bufio.NewScanner(r.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "recd_impressions_recorded_total "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return 0
}

// TestServe_SIGKILLKeepsFlushedImpressions serves lists from a real server process, waits
// until their impressions are flushed, kills the process with SIGKILL, and finds the lists
// after a restart: events citing their ids are accepted (an id the server never served is
// still refused), which they could not be had the lists been lost.
func TestServe_SIGKILLKeepsFlushedImpressions(t *testing.T) {
	t.Setenv("RECD_FEEDBACK_FLUSH_INTERVAL", "20ms")
	dir := t.TempDir()
	cmd, base := startServer(t, dir)
	var items, events []map[string]any
	for i := range 20 {
		items = append(items, map[string]any{"id": fmt.Sprintf("it-%d", i), "categories": []string{"c"}})
	}
	for u := range 10 {
		for k := range 4 {
			events = append(events, map[string]any{"user_id": fmt.Sprintf("u%d", u), "item_id": fmt.Sprintf("it-%d", (u+k*3)%20), "type": "click"})
		}
	}
	for _, req := range []struct {
		path string
		body any
	}{{"/v1/items", items}, {"/v1/events", events}, {"/v1/admin/train", nil}} {
		if st, err := postJSON(base, req.path, req.body); err != nil || st != 200 {
			t.Fatalf("POST %s: %d %v", req.path, st, err)
		}
	}
	type list struct{ user, id, item string }
	var lists []list
	for u := range 3 {
		user := fmt.Sprintf("u%d", u)
		r, err := http.Get(base + "/v1/users/" + user + "/recommendations?n=3")
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			RecommendationID string `json:"recommendation_id"`
			Items            []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		json.NewDecoder(r.Body).Decode(&body)
		r.Body.Close()
		if body.RecommendationID == "" || len(body.Items) == 0 {
			t.Fatalf("recommendations of %s: %+v", user, body)
		}
		lists = append(lists, list{user, body.RecommendationID, body.Items[0].ID})
	}
	deadline := time.Now().Add(10 * time.Second)
	for recordedImpressions(t, base) < float64(len(lists)) {
		if time.Now().After(deadline) {
			t.Fatal("the impressions were not flushed within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()

	cmd, base = startServer(t, dir)
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	for _, l := range lists {
		body := []map[string]any{{"user_id": l.user, "item_id": l.item, "type": "click", "recommendation_id": l.id}}
		if st, err := postJSON(base, "/v1/events", body); err != nil || st != 200 {
			t.Errorf("event citing %s's flushed list %s after SIGKILL: %d %v", l.user, l.id, st, err)
		}
	}
	unknown := []map[string]any{{"user_id": "u0", "item_id": "it-0", "type": "click", "recommendation_id": "01ARYZ6S41TSV4RRFFQ69G5FAV"}}
	if st, err := postJSON(base, "/v1/events", unknown); err != nil || st != 400 {
		t.Errorf("event citing a list never served: %d %v, want 400", st, err)
	}
}
