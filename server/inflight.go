package server

import (
	"fmt"
	"net"
	"net/http"
	"sync"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

// ClientLimiter bounds the requests in flight per API key and, within a key, per client
// address, from the moment a request is authenticated until it is answered (its body read
// included), so that neither one key nor one client of a shared key (a read key shipped in
// a web page) can hold what the others need. A request over its share is answered at once
// with 429 and Retry-After, without waiting. The limiter owns its counts and their mutex; it
// is safe for concurrent use. Its maps hold only keys and addresses with requests in flight.
type ClientLimiter struct {
	perKey, perAddr int
	rejected        *prometheus.CounterVec

	mu    sync.Mutex // guards keys and addrs
	keys  map[string]int
	addrs map[clientAddr]int
}

type clientAddr struct{ key, addr string }

// NewClientLimiter returns a limiter admitting perKey requests of one key and perAddr of one
// address within a key (0: unbounded). reg receives recd_http_client_limited_total{share},
// share being "key" or "address"; nil: no metric.
func NewClientLimiter(perKey, perAddr int, reg prometheus.Registerer) (*ClientLimiter, error) {
	if perKey < 0 || perAddr < 0 {
		return nil, fmt.Errorf("client limits: bounds must be >= 0")
	}
	l := &ClientLimiter{perKey: perKey, perAddr: perAddr, keys: map[string]int{}, addrs: map[clientAddr]int{}}
	l.rejected = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "recd_http_client_limited_total",
		Help: "Requests answered 429 because their key's or client address's share of requests in flight was used up."},
		[]string{"share"})
	if reg != nil {
		if err := reg.Register(l.rejected); err != nil {
			return nil, fmt.Errorf("client limits: register metric: %w", err)
		}
	}
	return l, nil
}

// acquire counts a request of key from addr in, or returns the share ("key" or "address")
// that is used up.
func (l *ClientLimiter) acquire(key, addr string) (string, bool) {
	ca := clientAddr{key, addr}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.perKey > 0 && l.keys[key] >= l.perKey {
		return "key", false
	}
	if l.perAddr > 0 && l.addrs[ca] >= l.perAddr {
		return "address", false
	}
	l.keys[key]++
	l.addrs[ca]++
	return "", true
}

func (l *ClientLimiter) release(key, addr string) {
	ca := clientAddr{key, addr}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.keys[key]--; l.keys[key] <= 0 {
		delete(l.keys, key)
	}
	if l.addrs[ca]--; l.addrs[ca] <= 0 {
		delete(l.addrs, ca)
	}
}

// InFlight returns the requests of key in flight ("" is the unauthenticated caller).
func (l *ClientLimiter) InFlight(key string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.keys[key]
}

// Middleware admits a request when its key (KeyName; "" without authentication) and its
// client address (the connection's remote address, never a forwarded header a client could
// choose) have room; public routes are never bounded. Install it after Auth and before the
// body is read.
func (l *ClientLimiter) Middleware(required func(*gin.Context) Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		if required(c) == RolePublic {
			c.Next()
			return
		}
		key, addr := KeyName(c), remoteHost(c.Request)
		share, ok := l.acquire(key, addr)
		if !ok {
			l.rejected.WithLabelValues(share).Inc()
			c.Header("Retry-After", "1")
			c.Header("Connection", "close") // or net/http would wait for the unread body before answering
			c.AbortWithStatusJSON(http.StatusTooManyRequests, errorBody{apiError{Code: "rate_limited",
				Message: fmt.Sprintf("this %s has too many requests in flight; retry shortly", clientShare(share))}})
			return
		}
		defer l.release(key, addr)
		c.Next()
	}
}

func clientShare(share string) string {
	if share == "key" {
		return "API key"
	}
	return "client address"
}

// remoteHost is the IP of the connection the request came on.
func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
