package server

import (
	"net/http"
	"net/http/pprof"
	rpprof "runtime/pprof"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/recd/recd"
)

// pprofPrefix is where the runtime's profiles are served, for the admin role only.
const pprofPrefix = "/debug/pprof/"

// The longest CPU profile or execution trace one request may ask for (seconds=). It also
// stays under http.write_timeout's default, past which net/http/pprof refuses the request.
const maxProfileSeconds = 30

// newDebugEngine returns the engine behind /debug/pprof/: net/http/pprof's handlers, for an
// admin key (any caller when authentication is off, as every admin route). It is a separate
// engine on purpose: these routes answer profiles, not the API's JSON, so they are not in the
// API's route table nor in its OpenAPI document, and the API's request deadline (which would
// cut a CPU profile short) does not apply; seconds= is bounded instead.
func (s *Server) newDebugEngine() *gin.Engine {
	e := gin.New()
	e.RedirectTrailingSlash, e.RedirectFixedPath = false, false
	e.Use(s.recover, s.observe)
	if s.opts.Auth != nil {
		e.Use(s.opts.Auth.Middleware(func(*gin.Context) Role { return RoleAdmin }))
	}
	e.GET(pprofPrefix+"*name", servePprof)
	e.NoRoute(func(c *gin.Context) { fail(c, notFound("no such route: "+c.Request.URL.Path)) })
	return e
}

// servePprof answers the index, cmdline, profile (CPU), symbol, trace and every named
// runtime profile (heap, allocs, goroutine, mutex, block, threadcreate), after checking the
// numeric parameters: seconds in [1, maxProfileSeconds], debug in [0, 2], gc in [0, 1].
func servePprof(c *gin.Context) {
	q := c.Request.URL.Query()
	for _, p := range []struct {
		name   string
		lo, hi int
	}{{"seconds", 1, maxProfileSeconds}, {"debug", 0, 2}, {"gc", 0, 1}} {
		vs := q[p.name]
		if len(vs) == 0 {
			continue
		}
		n, err := strconv.Atoi(vs[0])
		if len(vs) > 1 || err != nil || n < p.lo || n > p.hi {
			fail(c, recd.Invalid(p.name, "must be given once, an integer from "+strconv.Itoa(p.lo)+" to "+strconv.Itoa(p.hi)))
			return
		}
	}
	name := strings.TrimPrefix(c.Param("name"), "/")
	var h http.Handler
	switch name {
	case "":
		h = http.HandlerFunc(pprof.Index)
	case "cmdline":
		h = http.HandlerFunc(pprof.Cmdline)
	case "profile":
		h = http.HandlerFunc(pprof.Profile)
	case "symbol":
		h = http.HandlerFunc(pprof.Symbol)
	case "trace":
		h = http.HandlerFunc(pprof.Trace)
	default:
		if rpprof.Lookup(name) == nil {
			fail(c, notFound("no such profile: "+name))
			return
		}
		h = pprof.Handler(name)
	}
	h.ServeHTTP(c.Writer, c.Request)
}
