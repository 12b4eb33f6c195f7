package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/recd/recd/service"
)

// ConcurrencyOptions bound the requests in flight per route class (the Role a route needs).
type ConcurrencyOptions struct {
	// Read, Write and Admin are the most requests of each class in flight (0: unbounded).
	// Public routes (health, metrics) are never bounded so probes answer under overload.
	Read, Write, Admin int
	// Wait is how long a request waits for a slot before 503 (default 50 ms).
	Wait time.Duration
	// Registry receives recd_http_overloaded_total{class}; nil: no metric.
	Registry prometheus.Registerer
}

// DefaultConcurrencyOptions returns bounds sized for a small node: 256 reads, 64 writes,
// 4 admin calls in flight, waiting up to 50 ms for a slot.
func DefaultConcurrencyOptions() ConcurrencyOptions {
	return ConcurrencyOptions{Read: 256, Write: 64, Admin: 4, Wait: 50 * time.Millisecond}
}

// ConcurrencyLimiter is a semaphore per route class. A write request's context carries the
// release of its slot (service.WithSlotRelease) so that an event batch queued for the group
// commit gives it back early. Safe for concurrent use.
type ConcurrencyLimiter struct {
	wait     time.Duration
	sems     [RoleAdmin + 1]chan struct{}
	rejected *prometheus.CounterVec
}

// NewConcurrencyLimiter returns a limiter with opts' bounds.
func NewConcurrencyLimiter(opts ConcurrencyOptions) (*ConcurrencyLimiter, error) {
	if opts.Read < 0 || opts.Write < 0 || opts.Admin < 0 || opts.Wait < 0 {
		return nil, errors.New("concurrency limits: bounds and wait must be >= 0")
	}
	if opts.Wait == 0 {
		opts.Wait = DefaultConcurrencyOptions().Wait
	}
	l := &ConcurrencyLimiter{wait: opts.Wait}
	for r, n := range map[Role]int{RoleRead: opts.Read, RoleWrite: opts.Write, RoleAdmin: opts.Admin} {
		if n > 0 {
			l.sems[r] = make(chan struct{}, n)
		}
	}
	l.rejected = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "recd_http_overloaded_total",
		Help: "Requests answered 503 because their route class had no free slot."}, []string{"class"})
	if opts.Registry != nil {
		if err := opts.Registry.Register(l.rejected); err != nil {
			return nil, fmt.Errorf("concurrency limits: register metric: %w", err)
		}
	}
	return l, nil
}

// InFlight returns the requests of class r in flight.
func (l *ConcurrencyLimiter) InFlight(r Role) int {
	if r < 0 || r > RoleAdmin || l.sems[r] == nil {
		return 0
	}
	return len(l.sems[r])
}

// Middleware admits a request when its class (from class, typically
// func(c) Role { return RouteRole(c.Request.Method, c.FullPath()) }) has a free slot,
// waiting up to the configured time; otherwise it answers 503 overloaded with Retry-After: 1.
func (l *ConcurrencyLimiter) Middleware(class func(*gin.Context) Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		r := class(c)
		if r <= RolePublic || r > RoleAdmin || l.sems[r] == nil {
			c.Next()
			return
		}
		sem := l.sems[r]
		select {
		case sem <- struct{}{}:
		default:
			t := time.NewTimer(l.wait)
			select {
			case sem <- struct{}{}:
				t.Stop()
			case <-t.C:
				l.overloaded(c, r)
				return
			case <-c.Request.Context().Done():
				t.Stop()
				l.overloaded(c, r)
				return
			}
		}
		if r != RoleWrite {
			defer func() { <-sem }()
			c.Next()
			return
		}
		// A write may give its slot back early (an event batch queued for the group commit,
		// see service.WithSlotRelease), so the slot is released once, whichever comes first.
		var once sync.Once
		release := func() { once.Do(func() { <-sem }) }
		defer release()
		c.Request = c.Request.WithContext(service.WithSlotRelease(c.Request.Context(), release))
		c.Next()
	}
}

func (l *ConcurrencyLimiter) overloaded(c *gin.Context, r Role) {
	l.rejected.WithLabelValues(r.String()).Inc()
	c.Header("Retry-After", "1")
	c.AbortWithStatusJSON(http.StatusServiceUnavailable, errorBody{apiError{Code: "overloaded",
		Message: fmt.Sprintf("the server has too many %s requests in flight; retry shortly", r)}})
}

// DepthError reports JSON nested deeper than the limit.
type DepthError struct {
	Max    int
	Offset int64 // byte offset of the bracket that went too deep
}

func (e *DepthError) Error() string {
	return fmt.Sprintf("JSON nesting is deeper than %d levels (at byte %d)", e.Max, e.Offset)
}

// depthScanner tracks JSON nesting over a byte stream without parsing values: it follows
// strings and escapes so brackets inside strings do not count. Not safe for concurrent use.
type depthScanner struct {
	max, depth     int
	inStr, escaped bool
	off            int64
}

func (s *depthScanner) scan(p []byte) error {
	for _, b := range p {
		s.off++
		switch {
		case s.inStr:
			if s.escaped {
				s.escaped = false
			} else if b == '\\' {
				s.escaped = true
			} else if b == '"' {
				s.inStr = false
			}
		case b == '"':
			s.inStr = true
		case b == '{' || b == '[':
			s.depth++
			if s.depth > s.max {
				return &DepthError{Max: s.max, Offset: s.off - 1}
			}
		case b == '}' || b == ']':
			if s.depth > 0 {
				s.depth--
			}
		}
	}
	return nil
}

// CheckJSONDepth reads r to the end and returns a *DepthError if any JSON value in it
// (one document, a stream or NDJSON) nests objects and arrays deeper than max. It does not
// validate the JSON otherwise; read errors are returned wrapped.
func CheckJSONDepth(r io.Reader, max int) error {
	s := depthScanner{max: max}
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		if serr := s.scan(buf[:n]); serr != nil {
			return serr
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("check json depth: %w", err)
		}
	}
}

// depthReader passes a body through while scanning its nesting; once too deep, reads fail
// with the *DepthError, which the handlers' JSON decoding reports as a 400.
type depthReader struct {
	io.ReadCloser
	s   depthScanner
	err error
}

func (d *depthReader) Read(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	n, err := d.ReadCloser.Read(p)
	if serr := d.s.scan(p[:n]); serr != nil {
		d.err = serr
		return 0, serr
	}
	return n, err
}

// JSONDepthLimit returns a middleware that bounds the nesting of JSON request bodies to max
// levels (objects and arrays) as the handler reads them, without buffering: a deeper body
// gets 400 invalid_argument "malformed JSON: JSON nesting is deeper than N levels". Install
// it after the body size limit.
func JSONDepthLimit(max int) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.Body != nil && c.Request.Body != http.NoBody {
			c.Request.Body = &depthReader{ReadCloser: c.Request.Body, s: depthScanner{max: max}}
		}
		c.Next()
	}
}
