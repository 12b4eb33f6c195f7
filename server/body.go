package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// This file holds the middlewares that bound a request in time: its body must arrive within
// Options.BodyTimeout, and is read in full before the request takes one of its class's slots,
// so that a client sending a byte at a time holds only its own key's and address's share;
// its work then runs under a context that ends at Options.RequestTimeout or when the client
// goes away.

// bodyLimit returns the most bytes the body of the matched route may hold: reads sent with
// POST (recommendations, query) are small, writes may be batches.
func (s *Server) bodyLimit(c *gin.Context) int64 {
	if RouteRole(c.Request.Method, c.FullPath()) == RoleRead {
		return s.opts.MaxReadBodyBytes
	}
	return s.opts.MaxBodyBytes
}

// readBody is a middleware that reads the whole body (at most bodyLimit bytes) under a read
// deadline of Options.BodyTimeout and hands the handler an in-memory copy. A body over the
// limit gets 413; one that does not arrive in time gets 408 and the connection is closed.
func (s *Server) readBody(c *gin.Context) {
	r := c.Request
	if r.Body == nil || r.Body == http.NoBody {
		c.Next()
		return
	}
	limit := s.bodyLimit(c)
	rc := http.NewResponseController(c.Writer)
	_ = rc.SetReadDeadline(time.Now().Add(s.opts.BodyTimeout)) // unsupported by test recorders: no deadline
	var buf bytes.Buffer
	if r.ContentLength > 0 && r.ContentLength <= limit {
		buf.Grow(int(r.ContentLength))
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(c.Writer, r.Body, limit))
	_ = rc.SetReadDeadline(time.Time{})
	if err != nil {
		s.failBody(c, err)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(buf.Bytes()))
	c.Next()
}

// failBody answers a body readBody could not read: 413 over the limit, the depth error of an
// outer JSONDepthLimit, or a bodyError (408 when it did not arrive in time) after which the
// connection is closed.
func (s *Server) failBody(c *gin.Context, err error) {
	var mbe *http.MaxBytesError
	var de *DepthError
	switch {
	case errors.As(err, &mbe):
		fail(c, err)
	case errors.As(err, &de):
		fail(c, jsonError(err, ""))
	default:
		c.Header("Connection", "close")
		fail(c, &bodyError{err})
	}
}

// deadline is a middleware that runs the rest of the request under a context ending after
// Options.RequestTimeout (and when the client goes away, as the request's context does).
func (s *Server) deadline(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.opts.RequestTimeout)
	defer cancel()
	c.Request = c.Request.WithContext(ctx)
	c.Next()
}
