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

// paramRange returns the range of a numeric query parameter, by name, from the backend's
// limits and the server's options: a name means the same range on every route, and the
// service, checking the same fields of a JSON body, uses the same bounds.
func (s *Server) paramRange(name string) (paramRange, bool) {
	switch name {
	case "n":
		return paramRange{1, float64(s.opts.Limits.MaxN)}, true
	case "limit":
		return paramRange{1, float64(s.opts.MaxPageSize)}, true
	}
	for _, k := range knobRanges {
		if k.name == name {
			return paramRange{k.lo, k.hi}, true
		}
	}
	return paramRange{}, false
}

// serverKey is the gin context key under which checkPathIDs hands the handlers their server,
// whose paramRange the free parameter readers below consult.
const serverKey = "recd.server"

// rangeOf returns the range of the named parameter: the server's (see paramRange) when it
// has one, else [lo, hi].
func rangeOf(c *gin.Context, name string, lo, hi float64) paramRange {
	if v, ok := c.Get(serverKey); ok {
		if r, ok := v.(*Server).paramRange(name); ok {
			return r
		}
	}
	return paramRange{lo, hi}
}

// intParam reads an integer query parameter with a default. Its bounds are the server's
// range for the name; lo and hi bound a name that has none.
func intParam(c *gin.Context, name string, def, lo, hi int) (int, error) {
	v, ok := c.GetQuery(name)
	if !ok || v == "" {
		return def, nil
	}
	r := rangeOf(c, name, float64(lo), float64(hi))
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
// could store or send back (".", "..", U+FFFD, invisible or bidirectional characters). It
// also hands the handlers the ranges of the numeric query parameters (paramRange).
func (s *Server) checkPathIDs(c *gin.Context) {
	c.Set(serverKey, s)
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
