package server

import (
	"crypto/sha256"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/service"
)

// HealthReporter is what /readyz and the responses' "degraded" flag read. It is optional: a
// backend without it is taken as healthy. *service.Service implements it.
type HealthReporter interface {
	Health() service.HealthReport
	Degraded() bool
}

// followReporter adds the replica follower's progress to /readyz when the backend has one.
type followReporter interface {
	FollowStatus() service.FollowStatus
}

var _ HealthReporter = (*service.Service)(nil)

// readyBody is the /readyz answer.
type readyBody struct {
	Status       string                    `json:"status"` // ready, degraded or not ready
	Reason       string                    `json:"reason,omitempty"`
	Degraded     bool                      `json:"degraded"`
	Down         []string                  `json:"down,omitempty"`
	Dependencies []service.DependencyState `json:"dependencies"`
	Follower     *service.FollowStatus     `json:"follower,omitempty"`
	Stats        *service.Stats            `json:"stats,omitempty"`
}

// publicReady is the /readyz answer for a caller without a valid API key: whether the
// server is ready and the names of the dependencies that are down, nothing about the data.
type publicReady struct {
	Status   string   `json:"status"`
	Degraded bool     `json:"degraded"`
	Down     []string `json:"down,omitempty"`
}

// readyz answers 200 when a model is served and every dependency is up, and 503 naming the
// dependencies that are down otherwise. Only a caller with a valid API key (any role), or
// any caller when authentication is off, also gets the reason, the dependencies' errors,
// the follower's progress and the catalog and event counts.
func (s *Server) readyz(c *gin.Context) {
	trusted := s.trusted(c)
	body, status := s.readiness(trusted)
	if !trusted {
		c.JSON(status, publicReady{Status: body.Status, Degraded: body.Degraded, Down: body.Down})
		return
	}
	c.JSON(status, body)
}

// trusted reports whether the request may see operational details: authentication is off,
// or it carries a configured API key. The key's rate limit is not charged.
func (s *Server) trusted(c *gin.Context) bool {
	a := s.opts.Auth
	if a == nil {
		return true
	}
	key, ok := bearer(c.GetHeader("Authorization"))
	if !ok {
		return false
	}
	sum := sha256.Sum256([]byte(key))
	return a.match(sum[:]) >= 0
}

// readiness is the full /readyz answer and its status; the counts only with stats.
func (s *Server) readiness(stats bool) (readyBody, int) {
	body := readyBody{Status: "ready", Dependencies: []service.DependencyState{}}
	if h, ok := s.b.(HealthReporter); ok {
		rep := h.Health()
		body.Degraded = rep.Degraded
		if rep.Dependencies != nil {
			body.Dependencies = rep.Dependencies
		}
		for _, d := range rep.Dependencies {
			if !d.Up {
				body.Down = append(body.Down, d.Name)
			}
		}
	}
	if f, ok := s.b.(followReporter); ok {
		if st := f.FollowStatus(); !st.LastSync.IsZero() { // only where a follower runs
			body.Follower = &st
		}
	}
	status := http.StatusOK
	if ok, why := s.b.Ready(); !ok {
		body.Status, body.Reason, status = "not ready", why, http.StatusServiceUnavailable
	} else if body.Degraded {
		body.Status, status = "degraded", http.StatusServiceUnavailable
		body.Reason = "a dependency is down: reads answer from memory, writes that need it fail"
	}
	if stats && status == http.StatusOK {
		st := s.b.Stats()
		body.Stats = &st
	}
	return body, status
}

// degraded reports whether the backend runs with a dependency down.
func (s *Server) degraded() bool {
	h, ok := s.b.(HealthReporter)
	return ok && h.Degraded()
}

// listBody is a ranked list with the degraded flag, set while a dependency is down.
type listBody struct {
	rank.Response
	Degraded bool `json:"degraded,omitempty"`
}

// queryBody is a query answer with the degraded flag.
type queryBody struct {
	service.QueryResponse
	Degraded bool `json:"degraded,omitempty"`
}

// answer writes a read's ranked list.
func (s *Server) answer(c *gin.Context, resp rank.Response) {
	finiteScores(resp.Items)
	c.JSON(http.StatusOK, listBody{Response: resp, Degraded: s.degraded()})
}
