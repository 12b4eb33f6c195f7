package server

import (
	"fmt"
	"hash/maphash"
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
// with 429 and Retry-After, without waiting. The counts are spread over clientShards shards
// by the hash of the key (a key's count and its addresses' in its shard), each shard's mutex
// guarding its two maps, so that requests of different keys do not take the same lock. A
// share that is not bounded is not counted, and with neither bounded the limiter does
// nothing. Safe for concurrent use. Its maps hold only keys and addresses with
// requests in flight.
type ClientLimiter struct {
	perKey, perAddr int
	rejected        *prometheus.CounterVec

	seed   maphash.Seed
	shards [clientShards]clientShard
}

// clientShards is the number of shards of a ClientLimiter's counts.
const clientShards = 64

// clientShard holds the counts of the keys and addresses that hash to it; mu guards them.
type clientShard struct {
	mu    sync.Mutex
	keys  map[string]int
	addrs map[clientAddr]int
	_     [40]byte // one shard per cache line: shards next to each other do not contend
}

type clientAddr struct{ key, addr string }

// NewClientLimiter returns a limiter admitting perKey requests of one key and perAddr of one
// address within a key (0: unbounded). reg receives recd_http_client_limited_total{share},
// share being "key" or "address"; nil: no metric.
func NewClientLimiter(perKey, perAddr int, reg prometheus.Registerer) (*ClientLimiter, error) {
	if perKey < 0 || perAddr < 0 {
		return nil, fmt.Errorf("client limits: bounds must be >= 0")
	}
	l := &ClientLimiter{perKey: perKey, perAddr: perAddr, seed: maphash.MakeSeed()}
	for i := range l.shards {
		l.shards[i].keys, l.shards[i].addrs = map[string]int{}, map[clientAddr]int{}
	}
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

// shardOf returns the shard of key's counts (its own and its addresses').
func (l *ClientLimiter) shardOf(key string) *clientShard {
	return &l.shards[maphash.String(l.seed, key)%clientShards]
}

// acquire counts a request of key from addr in, or returns the share ("key" or "address")
// that is used up.
func (l *ClientLimiter) acquire(key, addr string) (string, bool) {
	ca := clientAddr{key, addr}
	sh := l.shardOf(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if l.perKey > 0 && sh.keys[key] >= l.perKey {
		return "key", false
	}
	if l.perAddr > 0 && sh.addrs[ca] >= l.perAddr {
		return "address", false
	}
	if l.perKey > 0 {
		sh.keys[key]++
	}
	if l.perAddr > 0 {
		sh.addrs[ca]++
	}
	return "", true
}

func (l *ClientLimiter) release(key, addr string) {
	ca := clientAddr{key, addr}
	sh := l.shardOf(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if l.perKey > 0 {
		if sh.keys[key]--; sh.keys[key] <= 0 {
			delete(sh.keys, key)
		}
	}
	if l.perAddr > 0 {
		if sh.addrs[ca]--; sh.addrs[ca] <= 0 {
			delete(sh.addrs, ca)
		}
	}
}

// InFlight returns the requests of key in flight ("" is the unauthenticated caller); 0 when
// the key's share is not bounded (then it is not counted).
func (l *ClientLimiter) InFlight(key string) int {
	sh := l.shardOf(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.keys[key]
}

// tracked returns the keys and addresses the limiter holds a count for.
func (l *ClientLimiter) tracked() (keys, addrs int) {
	for i := range l.shards {
		sh := &l.shards[i]
		sh.mu.Lock()
		keys, addrs = keys+len(sh.keys), addrs+len(sh.addrs)
		sh.mu.Unlock()
	}
	return keys, addrs
}

// Middleware admits a request when its key (KeyName; "" without authentication) and its
// client address (the connection's remote address, never a forwarded header a client could
// choose) have room; public routes are never bounded. Install it after Auth and before the
// body is read.
func (l *ClientLimiter) Middleware(required func(*gin.Context) Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		if required(c) == RolePublic || (l.perKey == 0 && l.perAddr == 0) {
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
