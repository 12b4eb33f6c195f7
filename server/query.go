package server

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/recd/recd"
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

func (s readRoutes) query(c *gin.Context) {
	var in queryIn
	if err := decodeJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	if err := s.checkQueryIn(&in); err != nil {
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
	finiteScores(resp.Items)
	c.JSON(http.StatusOK, queryBody{QueryResponse: resp, Degraded: s.degraded()})
}

// checkQueryIn bounds a query body: text within limits.max_query_text, n within max_n (0 is
// the default), diversity within its range, user_id within max_id_length.
func (s readRoutes) checkQueryIn(in *queryIn) error {
	l := s.opts.Limits
	if len(in.Text) > l.MaxQueryText {
		return recd.Invalid("text", fmt.Sprintf("at most %d bytes", l.MaxQueryText))
	}
	if in.N != 0 {
		if err := checkN(in.N, l); err != nil {
			return err
		}
	}
	if len(in.UserID) > l.MaxIDLength {
		return recd.Invalid("user_id", fmt.Sprintf("at most %d bytes", l.MaxIDLength))
	}
	return knobRanges[0].check(in.Diversity)
}
