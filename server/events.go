package server

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/recd/recd"
)

// eventIn is an event as clients send it. The timestamp is optional (RFC 3339); the server's
// clock is used when it is absent.
type eventIn struct {
	UserID    string     `json:"user_id"`
	ItemID    string     `json:"item_id"`
	Type      string     `json:"type"`
	Value     *float64   `json:"value"`
	Timestamp *time.Time `json:"timestamp"`
	SessionID string     `json:"session_id"`
}

// postEvents stores a JSON array of events, all or nothing, durably before answering.
func (s *Server) postEvents(c *gin.Context) {
	var in []eventIn
	if err := decodeJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	evs := make([]recd.Event, len(in))
	for i, e := range in {
		evs[i] = recd.Event{UserID: e.UserID, ItemID: e.ItemID, Type: e.Type, SessionID: e.SessionID}
		if e.Value != nil {
			evs[i].Value = *e.Value
		}
		if e.Timestamp != nil {
			evs[i].Timestamp = *e.Timestamp
		}
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
