// Package server is recd's HTTP API (gin): routes, request decoding and validation, JSON
// errors, metrics and the OpenAPI document. Handlers are thin: they decode, call the narrow
// interfaces declared here, and encode.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/recd/recd"
	"github.com/recd/recd/index"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/service"
	"github.com/recd/recd/web"
)

// Catalog is what the item and user routes call.
type Catalog interface {
	PutItems(ctx context.Context, items []recd.Item) error
	GetItem(ctx context.Context, id string) (recd.Item, error)
	ListItems(ctx context.Context, cursor string, limit int) ([]recd.Item, string, error)
	DeleteItem(ctx context.Context, id string) error
	PutUser(ctx context.Context, u recd.User) error
	GetUser(ctx context.Context, id string) (recd.User, error)
	DeleteUser(ctx context.Context, id string) error
	UserEvents(ctx context.Context, id, cursor string, limit int) ([]recd.Event, string, error)
}

// Events is what the event route calls.
type Events interface {
	AddEvents(ctx context.Context, events []recd.Event) ([]recd.Event, error)
}

// Recommender is what the recommendation routes call.
type Recommender interface {
	Recommend(ctx context.Context, req service.RecommendRequest) (rank.Response, error)
	Next(ctx context.Context, req service.NextRequest) (rank.Response, error)
	Similar(ctx context.Context, id string, n int, by string, categories []string) (rank.Response, error)
	Popular(ctx context.Context, n int, categories []string) (rank.Response, error)
	Trending(ctx context.Context, n int, categories []string) (rank.Response, error)
	Query(ctx context.Context, req service.QueryRequest) (service.QueryResponse, error)
}

// Spaces is what the vector-space route calls.
type Spaces interface {
	Spaces(ctx context.Context) ([]index.SpaceInfo, error)
}

// Admin is what the admin and health routes call.
type Admin interface {
	Train(ctx context.Context) (service.ModelInfo, error)
	TrainForced(ctx context.Context) (service.ModelInfo, error)
	Models(ctx context.Context) ([]service.ModelInfo, error)
	Ready() (bool, string)
	Stats() service.Stats
}

// Backend is everything the server calls; *service.Service implements it.
type Backend interface {
	Catalog
	Events
	Recommender
	Spaces
	Admin
	Descriptions
	Jobs
}

// Options configure the server.
type Options struct {
	// MaxBodyBytes bounds request bodies (default 32 MiB); larger bodies get 413.
	MaxBodyBytes int64
	// MaxReadBodyBytes bounds the bodies of reads sent with POST, recommendations and queries
	// (default 1 MiB); larger bodies get 413.
	MaxReadBodyBytes int64
	// BodyTimeout is how long a body may take to arrive (default 10 s); slower bodies get 408.
	// The body is read in full before the request takes a slot of its class.
	BodyTimeout time.Duration
	// RequestTimeout is the deadline of a request's work after its body has arrived (default
	// 5 s); past it the request's context ends and the answer is 504 deadline_exceeded.
	RequestTimeout time.Duration
	// MaxPageSize bounds limit= on list routes (default Limits.MaxPageSize).
	MaxPageSize int
	// Limits bound every list, string and number a request carries (a limit left zero: its default).
	Limits service.Limits
	// Clients bounds requests in flight per API key and client address; nil: unbounded.
	Clients  *ClientLimiter
	Logger   *slog.Logger         // nil: discard
	Registry *prometheus.Registry // nil: a new registry
	// Auth checks API keys and roles on every route; nil: no authentication (demo).
	Auth *Auth
	// Limiter bounds requests in flight per route class; nil: unbounded.
	Limiter *ConcurrencyLimiter
	// CORS is the middleware from CORS(opts); nil: no CORS headers, preflights get 405.
	CORS gin.HandlerFunc
	// MaxJSONDepth bounds the nesting of JSON bodies (default 32).
	MaxJSONDepth int
}

// DefaultOptions returns the defaults.
func DefaultOptions() Options {
	return Options{MaxBodyBytes: 32 << 20, MaxReadBodyBytes: 1 << 20, BodyTimeout: 10 * time.Second,
		RequestTimeout: 5 * time.Second, MaxPageSize: 1000, Limits: service.DefaultLimits()}
}

// Server is the HTTP API. It implements http.Handler.
type Server struct {
	opts    Options
	b       Backend
	engine  *gin.Engine
	debug   *gin.Engine // /debug/pprof/, outside the API's route table (pprof.go)
	log     *slog.Logger
	latency *prometheus.HistogramVec
}

func init() { gin.SetMode(gin.ReleaseMode) }

// withDefaults fills the options left zero with their defaults.
func (opts Options) withDefaults() Options {
	d := DefaultOptions()
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = d.MaxBodyBytes
	}
	if opts.MaxReadBodyBytes <= 0 {
		opts.MaxReadBodyBytes = d.MaxReadBodyBytes
	}
	opts.MaxReadBodyBytes = min(opts.MaxReadBodyBytes, opts.MaxBodyBytes)
	if opts.BodyTimeout <= 0 {
		opts.BodyTimeout = d.BodyTimeout
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = d.RequestTimeout
	}
	opts.Limits = opts.Limits.WithDefaults()
	if opts.MaxPageSize <= 0 {
		opts.MaxPageSize = opts.Limits.MaxPageSize
	}
	if opts.MaxJSONDepth <= 0 {
		opts.MaxJSONDepth = 32
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Registry == nil {
		opts.Registry = prometheus.NewRegistry()
	}
	return opts
}

// latencyBuckets are the request histogram's bounds in seconds: doublings from 0.1 ms to
// 3.3 s, and the round bounds latency objectives are written in (1, 2.5, 5, 10, 25, 50, 100
// and 250 ms), so that "p99 under 10 ms" is read from a bucket's count, not interpolated
// between 6.4 and 12.8 ms.
func latencyBuckets() []float64 {
	b := append(prometheus.ExponentialBuckets(0.0001, 2, 16), 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25)
	slices.Sort(b)
	return slices.Compact(b)
}

// New returns the API over b. The middlewares run in this order: panic recovery, metrics,
// the render guard, CORS, authentication, the parameter bounds, the per-key and per-address
// in-flight bounds, the Content-Type and path-id checks, the body read (bounded in size and
// time), the request deadline, the per-class slots, the JSON depth limit, then the handler:
// a request holds a class slot only once its body has arrived and its parameters are known
// to be within bounds, and nothing that depends on the route table answers before
// authentication.
func New(b Backend, opts Options) *Server {
	opts = opts.withLimitsOf(b).withDefaults()
	s := &Server{opts: opts, b: b, engine: gin.New(), log: opts.Logger}
	// No redirects: they would answer before authentication and tell anonymous callers which
	// routes exist. A path with a trailing slash or in other case is simply not a route.
	s.engine.RedirectTrailingSlash, s.engine.RedirectFixedPath = false, false
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "recd_http_request_duration_seconds",
		Help: "HTTP request latency by route, method and status.", Buckets: latencyBuckets()},
		[]string{"route", "method", "status"})
	opts.Registry.MustRegister(s.latency)
	s.engine.Use(s.recover, s.observe, guardRender)
	if opts.CORS != nil {
		s.engine.Use(opts.CORS) // before auth: preflights carry no key
	}
	class := func(c *gin.Context) Role { return RouteRole(c.Request.Method, c.FullPath()) }
	if opts.Auth != nil {
		s.engine.Use(opts.Auth.Middleware(opts.Auth.Required))
	}
	s.engine.Use(s.boundParams)
	if opts.Clients != nil {
		s.engine.Use(opts.Clients.Middleware(class))
	}
	s.engine.Use(requireBodyType, s.checkPathIDs) // after auth, so anonymous callers only ever get 401
	s.engine.Use(s.readBody, s.deadline)
	if opts.Limiter != nil {
		s.engine.Use(opts.Limiter.Middleware(class))
	}
	s.engine.Use(JSONDepthLimit(opts.MaxJSONDepth))
	s.engine.NoRoute(func(c *gin.Context) { fail(c, notFound("no such route: "+c.Request.URL.Path)) })
	s.engine.HandleMethodNotAllowed = true
	s.engine.NoMethod(func(c *gin.Context) {
		c.AbortWithStatusJSON(http.StatusMethodNotAllowed, errorBody{apiError{Code: "method_not_allowed",
			Message: c.Request.Method + " is not allowed on " + c.Request.URL.Path}})
	})
	s.routes(promhttp.HandlerFor(opts.Registry, promhttp.HandlerOpts{}))
	s.headRoutes()
	s.debug = s.newDebugEngine()
	return s
}

// The handlers are grouped by the routes they serve, each group a type over the Server:
// catalogRoutes (items, users, events: items.go, users.go, events.go), readRoutes
// (recommendations, similar, popular, trending, query, spaces: recs.go, query.go) and
// adminRoutes (training and models). Server itself keeps the middleware and the wiring.
type (
	catalogRoutes struct{ *Server }
	readRoutes    struct{ *Server }
	adminRoutes   struct{ *Server }
)

// routes registers every route, one per line, with its handler.
func (s *Server) routes(metrics http.Handler) {
	r := s.engine
	cat, read, admin := catalogRoutes{s}, readRoutes{s}, adminRoutes{s}
	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/metrics", gin.WrapH(metrics))
	r.GET("/openapi.json", s.openapi)

	v1 := r.Group("/v1")
	v1.PUT("/items/:id", cat.putItem)
	v1.GET("/items/:id", cat.getItem)
	v1.DELETE("/items/:id", cat.deleteItem)
	v1.GET("/items", cat.listItems)
	v1.POST("/items", cat.postItems)
	v1.GET("/items/:id/similar", read.similar)
	v1.PUT("/items/:id/generated_text", cat.putGenerated)

	v1.PUT("/users/:id", cat.putUser)
	v1.GET("/users/:id", cat.getUser)
	v1.DELETE("/users/:id", cat.deleteUser)
	v1.GET("/users/:id/events", cat.userEvents)
	v1.GET("/users/:id/recommendations", read.recommend)
	v1.POST("/recommendations", read.recommendPost)
	v1.GET("/recommendations/:recommendation_id/next", read.next)
	v1.GET("/spaces", read.spaces)
	v1.POST("/query", read.query)

	page := gin.WrapH(web.Handler())
	r.GET("/", page)
	r.GET("/admin", page)
	r.GET("/assets/*path", page)

	v1.POST("/events", cat.postEvents)
	v1.GET("/popular", read.popular)
	v1.GET("/trending", read.trending)

	v1.POST("/admin/train", admin.train)
	v1.POST("/admin/describe", admin.describe)
	v1.GET("/admin/jobs/:id", admin.job)
	v1.GET("/admin/models", admin.models)

	exp := experimentRoutes{s}
	v1.PUT("/experiments/:id", exp.put)
	v1.GET("/experiments", exp.list)
	v1.GET("/experiments/:id", exp.get)
	v1.DELETE("/experiments/:id", exp.delete)
	v1.GET("/experiments/:id/report", exp.report)
	v1.GET("/experiments/:id/preview", exp.preview)
	v1.GET("/metrics/online", read.onlineMetrics)
}

// headRoutes answers HEAD on every GET route as GET does, without the body.
func (s *Server) headRoutes() {
	for _, rt := range s.engine.Routes() {
		if rt.Method == http.MethodGet {
			s.engine.HEAD(rt.Path, headOf(rt.HandlerFunc))
		}
	}
}

// headOf runs the GET handler h with a writer that keeps the status and headers and drops
// the body.
func headOf(h gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Writer = headWriter{c.Writer}
		h(c)
	}
}

// headWriter discards the body of a HEAD answer.
type headWriter struct{ gin.ResponseWriter }

func (w headWriter) Write(b []byte) (int, error) {
	w.WriteHeaderNow()
	return len(b), nil
}

func (w headWriter) WriteString(s string) (int, error) {
	w.WriteHeaderNow()
	return len(s), nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, pprofPrefix) {
		s.debug.ServeHTTP(w, r)
		return
	}
	s.engine.ServeHTTP(w, r)
}

// Engine exposes the gin engine for route listing in tests and for mounting extras.
func (s *Server) Engine() *gin.Engine { return s.engine }

func (s *Server) recover(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("panic in handler", "route", routeLabel(c), "panic", v)
			c.AbortWithStatusJSON(http.StatusInternalServerError, errorBody{apiError{Code: "internal", Message: "internal error"}})
		}
	}()
	c.Next()
}

// observe records every request's duration by route template, method and status class, all
// three from fixed sets (routeLabel, methodLabel, statusClass), and logs failed requests by
// route template.
func (s *Server) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := routeLabel(c)
	s.latency.WithLabelValues(route, methodLabel(c.Request.Method), statusClass(c.Writer.Status())).
		Observe(time.Since(start).Seconds())
	for _, e := range c.Errors {
		s.log.Error("request failed", "route", route, "err", e.Err)
	}
}

func (s *Server) healthz(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) }
