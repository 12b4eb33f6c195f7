package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/recd/recd"
)

// eventIn is an event as clients send it. The timestamp is optional (RFC 3339); the server's
// clock is used when it is absent. It is parsed here rather than by encoding/json, so that a
// year outside 0000-9999 reaches the service's range check like any other out-of-range date.
type eventIn struct {
	UserID    string    `json:"user_id"`
	ItemID    string    `json:"item_id"`
	Type      string    `json:"type"`
	Value     *float64  `json:"value"`
	Timestamp *string   `json:"timestamp"`
	SessionID string    `json:"session_id"`
	Seq       serverSet `json:"seq"` // set by the server; an event read back may be posted again
	// RecommendationID and Position attribute the event to a served list (checked by the
	// service, which also fills them for the event types it attributes).
	RecommendationID string `json:"recommendation_id"`
	Position         *int   `json:"position"`
}

// postEvents stores a JSON array of events, all or nothing, durably before answering.
func (s catalogRoutes) postEvents(c *gin.Context) {
	var in []eventIn
	if err := decodeJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	evs := make([]recd.Event, len(in))
	for i, e := range in {
		ev, err := e.event(fmt.Sprintf("[%d].timestamp", i))
		if err != nil {
			fail(c, err)
			return
		}
		evs[i] = ev
	}
	stored, err := s.b.AddEvents(c.Request.Context(), evs)
	if err != nil {
		fail(c, err)
		return
	}
	resp := gin.H{"stored": len(stored)}
	if len(stored) > 0 {
		resp["first_seq"] = stored[0].Seq
		resp["last_seq"] = stored[len(stored)-1].Seq
	}
	c.JSON(http.StatusOK, resp)
}

// event converts an event as sent; tsField names its timestamp in an error.
func (e eventIn) event(tsField string) (recd.Event, error) {
	ev := recd.Event{UserID: e.UserID, ItemID: e.ItemID, Type: e.Type, SessionID: e.SessionID,
		RecommendationID: e.RecommendationID, Position: e.Position}
	if e.Value != nil {
		ev.Value = *e.Value
	}
	if e.Timestamp != nil {
		ts, err := parseTimestamp(tsField, *e.Timestamp)
		if err != nil {
			return recd.Event{}, err
		}
		ev.Timestamp = ts
	}
	return ev, nil
}

// DecodeEvent decodes one event as clients send it in a POST /v1/events batch (unknown
// fields rejected, a missing timestamp left zero for the service to set), for readers of
// event files such as recd import.
func DecodeEvent(b []byte) (recd.Event, error) {
	var in eventIn
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return recd.Event{}, decodeError(err, &in)
	}
	if dec.More() {
		return recd.Event{}, recd.Invalid("", "the line holds more than one JSON value")
	}
	return in.event("timestamp")
}

// Stand-ins for well-formed timestamps that time.Time parsing cannot hold or that would read
// as "no timestamp": each lies outside every range the service accepts, so it gets the
// service's one out-of-range error.
var (
	beforeYear1   = time.Time{}.Add(-time.Nanosecond)
	afterYear9999 = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
)

// parseTimestamp parses an RFC 3339 timestamp. A well-formed one whose year has more than four
// digits or a sign, or that is 0001-01-01T00:00:00Z (the zero time, which means "now"), becomes
// a stand-in outside the accepted range; a malformed one is an error naming field.
func parseTimestamp(field, s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		if t.IsZero() {
			return beforeYear1, nil
		}
		return t, nil
	}
	if year, rest, ok := splitYear(s); ok {
		if _, err := time.Parse(time.RFC3339Nano, "2000"+rest); err == nil {
			if year < 0 {
				return beforeYear1, nil
			}
			return afterYear9999, nil
		}
	}
	return time.Time{}, recd.Invalid(field, fmt.Sprintf("must be an RFC 3339 time such as 2024-05-01T12:00:00Z, not %q", truncate(s, 40)))
}

// splitYear splits a timestamp whose year lies outside 0000-9999 in ISO 8601's expanded form
// (a sign, or more than four digits) into the year's sign and the rest from the '-' after it.
func splitYear(s string) (sign int, rest string, ok bool) {
	sign, digits := 1, s
	if s != "" && (s[0] == '+' || s[0] == '-') {
		if s[0] == '-' {
			sign = -1
		}
		digits = s[1:]
	}
	end := strings.IndexByte(digits, '-')
	if end < 1 || !isDigits(digits[:end]) || (end <= 4 && sign > 0) {
		return 0, "", false
	}
	return sign, digits[end:], true
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
