package server

import (
	"fmt"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/recd/recd"
	"github.com/recd/recd/service"
)

func notFound(msg string) error { return fmt.Errorf("%s: %w", msg, recd.ErrNotFound) }

// paramRange is the range of a numeric query parameter.
type paramRange struct{ lo, hi float64 }

// message is the one way every route says a parameter is out of its range.
func (r paramRange) message() string {
	return fmt.Sprintf("must be between %s and %s", fmtNum(r.lo), fmtNum(r.hi))
}

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// intParam reads an integer query parameter with a default, within [lo, hi]. Callers take the
// bounds from the limits (n: limits.max_n, limit: the page size), so a name means the same
// range, and the same message, on every route.
func intParam(c *gin.Context, name string, def, lo, hi int) (int, error) {
	v, ok := c.GetQuery(name)
	if !ok || v == "" {
		return def, nil
	}
	r := paramRange{float64(lo), float64(hi)}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, recd.Invalid(name, fmt.Sprintf("must be an integer, not %q", truncate(v, 32)))
	}
	if float64(n) < r.lo || float64(n) > r.hi {
		return 0, recd.Invalid(name, r.message())
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

// withLimitsOf takes the backend's input limits when it reports them (*service.Service does)
// and the options name none, so that the server bounds requests exactly as the service
// validates them: one table of limits, whoever checks it.
func (opts Options) withLimitsOf(b Backend) Options {
	if l, ok := b.(interface{ Limits() service.Limits }); ok && opts.Limits == (service.Limits{}) {
		opts.Limits = l.Limits()
	}
	return opts
}

// checkPathIDs validates the item or user id in the route's path with the service's one id
// rule before any handler runs, so every route, read or write, refuses an id that no client
// could store or send back (".", "..", U+FFFD, invisible or bidirectional characters).
func (s *Server) checkPathIDs(c *gin.Context) {
	for _, p := range c.Params {
		if p.Key != "id" {
			continue
		}
		if err := s.opts.Limits.ValidateID("id", p.Value); err != nil {
			fail(c, err)
			return
		}
	}
	c.Next()
}
