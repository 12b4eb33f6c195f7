package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// CORSOptions configure cross-origin access (for a search page served from another origin).
type CORSOptions struct {
	// AllowedOrigins are exact origins ("https://shop.example") or "*" for any; empty: CORS off.
	AllowedOrigins []string
	// AllowedMethods answered to preflights (default GET, POST, PUT, DELETE).
	AllowedMethods []string
	// AllowedHeaders answered to preflights (default Authorization, Content-Type).
	AllowedHeaders []string
	// MaxAge is how long browsers may cache a preflight answer (default 10 minutes).
	MaxAge time.Duration
}

// DefaultCORSOptions returns CORS off with the default methods, headers and max age.
func DefaultCORSOptions() CORSOptions {
	return CORSOptions{AllowedMethods: []string{"GET", "POST", "PUT", "DELETE"},
		AllowedHeaders: []string{"Authorization", "Content-Type"}, MaxAge: 10 * time.Minute}
}

// CORS returns a middleware that adds Access-Control-Allow-* headers for allowed origins and
// answers preflight requests (OPTIONS with Access-Control-Request-Method) itself: 204 for an
// allowed origin, 403 permission_denied otherwise. Install it before Auth so preflights,
// which carry no credentials, are not refused. Requests without Origin pass untouched.
func CORS(opts CORSOptions) (gin.HandlerFunc, error) {
	def := DefaultCORSOptions()
	if len(opts.AllowedMethods) == 0 {
		opts.AllowedMethods = def.AllowedMethods
	}
	if len(opts.AllowedHeaders) == 0 {
		opts.AllowedHeaders = def.AllowedHeaders
	}
	if opts.MaxAge == 0 {
		opts.MaxAge = def.MaxAge
	}
	any := false
	allowed := map[string]bool{}
	for _, o := range opts.AllowedOrigins {
		o = strings.TrimRight(strings.TrimSpace(o), "/")
		switch {
		case o == "*":
			any = true
		case strings.HasPrefix(o, "http://") || strings.HasPrefix(o, "https://"):
			allowed[strings.ToLower(o)] = true
		default:
			return nil, errors.New("cors: origin " + strconv.Quote(o) + " must be * or scheme://host[:port]")
		}
	}
	methods := strings.Join(opts.AllowedMethods, ", ")
	headers := strings.Join(opts.AllowedHeaders, ", ")
	maxAge := strconv.Itoa(int(opts.MaxAge / time.Second))
	return func(c *gin.Context) {
		origin := c.GetHeader("Origin")
		if origin == "" {
			c.Next()
			return
		}
		c.Writer.Header().Add("Vary", "Origin")
		ok := any || allowed[strings.ToLower(origin)]
		preflight := c.Request.Method == http.MethodOptions && c.GetHeader("Access-Control-Request-Method") != ""
		if !ok {
			if preflight {
				c.AbortWithStatusJSON(http.StatusForbidden, errorBody{apiError{Code: "permission_denied",
					Message: "origin " + strconv.Quote(truncate(origin, 100)) + " is not allowed"}})
				return
			}
			c.Next() // same-origin rules in the browser stop the page from reading the answer
			return
		}
		h := c.Writer.Header()
		if any {
			h.Set("Access-Control-Allow-Origin", "*")
		} else {
			h.Set("Access-Control-Allow-Origin", origin)
		}
		if preflight {
			h.Set("Access-Control-Allow-Methods", methods)
			h.Set("Access-Control-Allow-Headers", headers)
			h.Set("Access-Control-Max-Age", maxAge)
			c.AbortWithStatus(http.StatusNoContent)
			return
		}
		h.Set("Access-Control-Expose-Headers", "Retry-After, WWW-Authenticate")
		c.Next()
	}, nil
}
