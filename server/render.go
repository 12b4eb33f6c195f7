package server

import (
	"math"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/recd/recd"
)

// This file keeps what the server writes back and what it records bounded and well formed:
// a 2xx always carries the documented JSON, and every metric label comes from a fixed set.

// guardRender is a middleware that answers 500 with a JSON error when the handler's response
// could not be encoded. gin encodes the whole value before writing a byte, so a failed
// encoding leaves the response unwritten with the error in c.Errors; without this the client
// would get the handler's 2xx status with an empty body.
func guardRender(c *gin.Context) {
	c.Next()
	if c.Writer.Written() || len(c.Errors) == 0 || c.Writer.Status() == http.StatusNoContent {
		return
	}
	c.AbortWithStatusJSON(http.StatusInternalServerError, errorBody{apiError{Code: "internal",
		Message: "internal error: the response could not be encoded"}})
}

// finiteScores replaces scores JSON cannot carry: NaN by 0, ±Inf by the largest finite
// float64 of its sign. The limits on boosts keep scores finite; this is the last guard.
func finiteScores(items []recd.Recommendation) {
	for i := range items {
		switch s := items[i].Score; {
		case math.IsNaN(s):
			items[i].Score = 0
		case math.IsInf(s, 1):
			items[i].Score = math.MaxFloat64
		case math.IsInf(s, -1):
			items[i].Score = -math.MaxFloat64
		}
	}
}

// knownMethods are the methods that may be a metric label; any other is "other".
var knownMethods = map[string]bool{http.MethodGet: true, http.MethodHead: true, http.MethodPost: true,
	http.MethodPut: true, http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
	http.MethodConnect: true, http.MethodTrace: true}

// methodLabel is the request's method as a metric label: a known method or "other", so that
// a client cannot grow /metrics by sending made-up methods.
func methodLabel(m string) string {
	if knownMethods[m] {
		return m
	}
	return "other"
}

// statusClass is a status code's class as a metric label: "2xx" ... "5xx", or "other".
func statusClass(code int) string {
	if code < 100 || code > 599 {
		return "other"
	}
	return string(rune('0'+code/100)) + "xx"
}

// routeLabel is the matched route template as a metric label, or "unmatched".
func routeLabel(c *gin.Context) string {
	if r := c.FullPath(); r != "" {
		return r
	}
	return "unmatched"
}
