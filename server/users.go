package server

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/recd/recd"
)

// userIn is a user as clients send it; the server-set timestamps are ignored.
type userIn struct {
	ID         string         `json:"id"`
	Attributes map[string]any `json:"attributes"`
	CreatedAt  serverSet      `json:"created_at"`
	UpdatedAt  serverSet      `json:"updated_at"`
}

func (s catalogRoutes) putUser(c *gin.Context) {
	var in userIn
	if err := decodeJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	id, err := pathID(c, in.ID)
	if err != nil {
		fail(c, err)
		return
	}
	if err := s.b.PutUser(c.Request.Context(), recd.User{ID: id, Attributes: in.Attributes}); err != nil {
		fail(c, err)
		return
	}
	u, err := s.b.GetUser(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, u)
}

func (s catalogRoutes) getUser(c *gin.Context) {
	u, err := s.b.GetUser(c.Request.Context(), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, u)
}

func (s catalogRoutes) deleteUser(c *gin.Context) {
	if err := s.b.DeleteUser(c.Request.Context(), c.Param("id")); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s catalogRoutes) userEvents(c *gin.Context) {
	limit, err := intParam(c, "limit", 100, 1, s.opts.MaxPageSize)
	if err != nil {
		fail(c, err)
		return
	}
	evs, next, err := s.b.UserEvents(c.Request.Context(), c.Param("id"), c.Query("cursor"), limit)
	if err != nil {
		fail(c, err)
		return
	}
	if evs == nil {
		evs = []recd.Event{}
	}
	c.JSON(http.StatusOK, gin.H{"events": evs, "next_cursor": next})
}
