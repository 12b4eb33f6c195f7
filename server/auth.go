package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

// Role is what an API key may do. Roles are ordered: a key may call every route whose
// required role is at or below its own (read < write < admin).
type Role int

// The roles. RolePublic is only a route requirement (no key needed), never a key's role.
const (
	RolePublic Role = iota
	RoleRead
	RoleWrite
	RoleAdmin
)

var roleNames = [...]string{"public", "read", "write", "admin"}

// String returns the role's config name.
func (r Role) String() string {
	if r < 0 || int(r) >= len(roleNames) {
		return "role(" + strconv.Itoa(int(r)) + ")"
	}
	return roleNames[r]
}

// ParseRole parses a key role: "read", "write" or "admin".
func ParseRole(s string) (Role, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "read":
		return RoleRead, nil
	case "write":
		return RoleWrite, nil
	case "admin":
		return RoleAdmin, nil
	}
	return 0, fmt.Errorf("unknown role %q (want read, write or admin)", s)
}

// MarshalText implements encoding.TextMarshaler.
func (r Role) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler, so config files can say role: write.
func (r *Role) UnmarshalText(b []byte) error {
	v, err := ParseRole(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// APIKey is one configured key. Only the key's hash is configured, never the key itself.
type APIKey struct {
	Name       string  `json:"name" yaml:"name"`
	Hash       string  `json:"hash" yaml:"hash"` // "sha256:<64 hex digits>", see HashKey
	Role       Role    `json:"role" yaml:"role"`
	RatePerSec float64 `json:"rate_per_sec" yaml:"rate_per_sec"` // requests per second; 0: AuthOptions.RatePerSec
	Burst      int     `json:"burst" yaml:"burst"`               // bucket size; 0: AuthOptions.Burst
}

// HashKey returns the configured form of a key: "sha256:" and the hex SHA-256 of the key.
func HashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// AuthOptions configure Auth.
type AuthOptions struct {
	// RatePerSec is the default per-key rate in requests per second; 0 or less: unlimited.
	RatePerSec float64
	// Burst is the default per-key bucket size in requests (default: max(1, ceil(RatePerSec))).
	Burst int
	// ProtectOps makes /metrics and /openapi.json need a read key (health probes stay public).
	ProtectOps bool
	// Now is the clock for rate limits (nil: time.Now); tests pass a fake one.
	Now func() time.Time
}

// DefaultAuthOptions returns the defaults: no rate limit, operational routes public.
func DefaultAuthOptions() AuthOptions { return AuthOptions{} }

// Auth checks API keys, roles and per-key rate limits. It is immutable after NewAuth and
// safe for concurrent use (the rate limiters are).
type Auth struct {
	opts    AuthOptions
	hashes  [][]byte // sha256 sums, one per key, same order as keys
	keys    []APIKey
	limits  []*rate.Limiter
	compare func(x, y []byte) int // subtle.ConstantTimeCompare; replaced in tests to count calls
}

// The gin context keys under which the middleware stores the caller.
const (
	ctxKeyName = "recd.key_name"
	ctxKeyRole = "recd.key_role"
)

// NewAuth validates keys (unique non-empty names, known roles, well-formed unique hashes,
// non-negative rates) and returns the checker.
func NewAuth(keys []APIKey, opts AuthOptions) (*Auth, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if math.IsNaN(opts.RatePerSec) || opts.Burst < 0 {
		return nil, errors.New("auth: rate must be a number and burst >= 0")
	}
	a := &Auth{opts: opts, compare: subtle.ConstantTimeCompare}
	names := map[string]bool{}
	hashes := map[string]bool{}
	for i, k := range keys {
		if k.Name == "" {
			return nil, fmt.Errorf("auth: key %d: name is empty", i)
		}
		if names[k.Name] {
			return nil, fmt.Errorf("auth: key %q: name is used twice", k.Name)
		}
		names[k.Name] = true
		if k.Role < RoleRead || k.Role > RoleAdmin {
			return nil, fmt.Errorf("auth: key %q: role must be read, write or admin, not %s", k.Name, k.Role)
		}
		sum, err := parseKeyHash(k.Hash)
		if err != nil {
			return nil, fmt.Errorf("auth: key %q: %w", k.Name, err)
		}
		if hashes[string(sum)] {
			return nil, fmt.Errorf("auth: key %q: the same hash is configured twice", k.Name)
		}
		hashes[string(sum)] = true
		if math.IsNaN(k.RatePerSec) || k.RatePerSec < 0 || k.Burst < 0 {
			return nil, fmt.Errorf("auth: key %q: rate_per_sec and burst must be >= 0", k.Name)
		}
		a.keys = append(a.keys, k)
		a.hashes = append(a.hashes, sum)
		a.limits = append(a.limits, newLimiter(k, opts))
	}
	return a, nil
}

func parseKeyHash(h string) ([]byte, error) {
	hexsum, ok := strings.CutPrefix(strings.TrimSpace(h), "sha256:")
	if !ok {
		return nil, errors.New(`hash must start with "sha256:" (see recd hash-key)`)
	}
	sum, err := hex.DecodeString(hexsum)
	if err != nil || len(sum) != sha256.Size {
		return nil, errors.New("hash must be sha256: and 64 hex digits")
	}
	return sum, nil
}

func newLimiter(k APIKey, opts AuthOptions) *rate.Limiter {
	r, burst := k.RatePerSec, k.Burst
	if r == 0 {
		r = opts.RatePerSec
	}
	if burst == 0 {
		burst = opts.Burst
	}
	if r <= 0 {
		return rate.NewLimiter(rate.Inf, 1)
	}
	if burst <= 0 {
		burst = max(1, int(math.Ceil(r)))
	}
	return rate.NewLimiter(rate.Limit(r), burst)
}

// Keys returns the number of configured keys.
func (a *Auth) Keys() int { return len(a.keys) }

// Required is the route requirement under a's options: RouteRole, with /metrics and
// /openapi.json raised to read when ProtectOps is set. Pass it to Middleware.
func (a *Auth) Required(c *gin.Context) Role {
	r := RouteRole(c.Request.Method, c.FullPath())
	if r == RolePublic && a.opts.ProtectOps && (c.FullPath() == "/metrics" || c.FullPath() == "/openapi.json") {
		return RoleRead
	}
	return r
}

// match returns the index of the key whose hash is sum, or -1. It compares against every
// configured hash in constant time and never stops early, so the time taken does not
// depend on which key (if any) matched.
func (a *Auth) match(sum []byte) int {
	found := -1
	for i, h := range a.hashes {
		eq := a.compare(sum, h)
		found = subtle.ConstantTimeSelect(eq, i, found)
	}
	return found
}

// Middleware returns a gin middleware that admits a request when its route needs no key
// (required returns RolePublic), or when it carries "Authorization: Bearer <key>" with a
// configured key whose role is at least the required one and whose rate limit has room.
// Otherwise it answers 401 unauthenticated (with WWW-Authenticate: Bearer), 403
// permission_denied or 429 rate_limited (with Retry-After in whole seconds). The key's
// name and role are stored in the context (KeyName, KeyRole).
func (a *Auth) Middleware(required func(*gin.Context) Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		need := required(c)
		if need == RolePublic {
			c.Next()
			return
		}
		key, ok := bearer(c.GetHeader("Authorization"))
		if !ok {
			c.Header("WWW-Authenticate", `Bearer realm="recd"`)
			c.AbortWithStatusJSON(http.StatusUnauthorized, errorBody{apiError{Code: "unauthenticated",
				Message: "an API key is required: send the header Authorization: Bearer KEY"}})
			return
		}
		sum := sha256.Sum256([]byte(key))
		i := a.match(sum[:])
		if i < 0 {
			c.Header("WWW-Authenticate", `Bearer realm="recd", error="invalid_token"`)
			c.AbortWithStatusJSON(http.StatusUnauthorized, errorBody{apiError{Code: "unauthenticated",
				Message: "the API key is not valid"}})
			return
		}
		k := a.keys[i]
		if k.Role < need {
			c.AbortWithStatusJSON(http.StatusForbidden, errorBody{apiError{Code: "permission_denied",
				Message: fmt.Sprintf("key %q has role %s; %s %s needs role %s", k.Name, k.Role,
					c.Request.Method, c.Request.URL.Path, need)}})
			return
		}
		now := a.opts.Now()
		res := a.limits[i].ReserveN(now, 1)
		if d := res.DelayFrom(now); !res.OK() || d > 0 {
			res.CancelAt(now)
			secs := int64(math.Ceil(d.Seconds()))
			if secs < 1 {
				secs = 1
			}
			c.Header("Retry-After", strconv.FormatInt(secs, 10))
			c.AbortWithStatusJSON(http.StatusTooManyRequests, errorBody{apiError{Code: "rate_limited",
				Message: fmt.Sprintf("key %q is over its rate limit; retry in %d s", k.Name, secs)}})
			return
		}
		c.Set(ctxKeyName, k.Name)
		c.Set(ctxKeyRole, k.Role)
		c.Next()
	}
}

// bearer extracts the token from an "Authorization: Bearer <token>" header value.
func bearer(h string) (string, bool) {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// KeyName returns the name of the API key that authenticated the request ("" if none).
func KeyName(c *gin.Context) string { return c.GetString(ctxKeyName) }

// KeyRole returns the role of the API key that authenticated the request (RolePublic if none).
func KeyRole(c *gin.Context) Role {
	if v, ok := c.Get(ctxKeyRole); ok {
		if r, ok := v.(Role); ok {
			return r
		}
	}
	return RolePublic
}
