package server

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/recd/recd/service"
)

// queryIn is the body of POST /v1/query.
type queryIn struct {
	Text      string   `json:"text"`
	UserID    string   `json:"user_id"`
	N         int      `json:"n"`
	Explain   *bool    `json:"explain"`
	Diversity *float64 `json:"diversity"`
}

func (s *Server) query(c *gin.Context) {
	var in queryIn
	if err := decodeJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	explain := in.Explain == nil || *in.Explain
	resp, err := s.b.Query(c.Request.Context(), service.QueryRequest{Text: in.Text, UserID: in.UserID, N: in.N,
		Explain: explain, Diversity: in.Diversity})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, queryBody{QueryResponse: resp, Degraded: s.degraded()})
}
