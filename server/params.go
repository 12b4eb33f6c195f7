package server

import (
	"fmt"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/recd/recd"
	"github.com/recd/recd/service"
)

func notFound(msg string) error { return fmt.Errorf("%s: %w", msg, recd.ErrNotFound) }

// intParam reads an integer query parameter with a default and bounds.
func intParam(c *gin.Context, name string, def, lo, hi int) (int, error) {
	v, ok := c.GetQuery(name)
	if !ok || v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, recd.Invalid(name, fmt.Sprintf("must be an integer, not %q", truncate(v, 32)))
	}
	if n < lo || n > hi {
		return 0, recd.Invalid(name, fmt.Sprintf("must be between %d and %d", lo, hi))
	}
	return n, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// pathID returns the id in the route's path; an id also given in the body must match it.
func pathID(c *gin.Context, bodyID string) (string, error) {
	id := c.Param("id")
	if bodyID != "" && bodyID != id {
		return "", recd.Invalid("id", fmt.Sprintf("%q differs from the id in the path, %q", bodyID, id))
	}
	return id, nil
}

// limitsOf returns the backend's input limits when it reports them (*service.Service does),
// else the defaults.
func limitsOf(b Backend) service.Limits {
	if l, ok := b.(interface{ Limits() service.Limits }); ok {
		return l.Limits()
	}
	return service.DefaultLimits()
}

// checkPathIDs validates the item or user id in the route's path with the service's one id
// rule before any handler runs, so every route, read or write, refuses an id that no client
// could store or send back (".", "..", U+FFFD, invisible or bidirectional characters).
func (s *Server) checkPathIDs(c *gin.Context) {
	for _, p := range c.Params {
		if p.Key != "id" {
			continue
		}
		if err := s.limits.ValidateID("id", p.Value); err != nil {
			fail(c, err)
			return
		}
	}
	c.Next()
}
