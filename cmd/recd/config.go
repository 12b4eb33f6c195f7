package main

import (
	"strings"
	"time"

	"github.com/recd/recd/embed"
	"github.com/recd/recd/index"
	"github.com/recd/recd/index/hnsw"
	"github.com/recd/recd/model"
	"github.com/recd/recd/query"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/service"
	"go.yaml.in/yaml/v3"
)

// Config is recd's whole configuration: defaults, then the YAML file, then RECD_* environment
// variables, then flags. Only the binary reads it; libraries get options structs
// (config_wire.go). Every key has an entry in schema (config_schema.go) with its doc and
// range, which validate enforces and README.md's reference is rendered from.
type Config struct {
	Addr            string `yaml:"addr"`
	DataDir         string `yaml:"data_dir"`
	AutoCreateItems bool   `yaml:"auto_create_items"`
	Log             struct {
		Level  string `yaml:"level"`  // debug, info, warn, error
		Format string `yaml:"format"` // text or json
	} `yaml:"log"`
	Store struct {
		Driver string `yaml:"driver"` // sqlite (default, in the data dir) or postgres
		Sync   string `yaml:"sync"`   // sqlite: normal (survives a process crash) or full (survives power loss)
		DSN    string `yaml:"dsn"`    // postgres: a libpq URL, e.g. postgres://recd:pw@db:5432/recd
	} `yaml:"store"`
	HTTP struct {
		MaxBodyBytes int64    `yaml:"max_body_bytes"`
		ReadTimeout  Duration `yaml:"read_timeout"`
		WriteTimeout Duration `yaml:"write_timeout"`
		IdleTimeout  Duration `yaml:"idle_timeout"`
		// Bounds against hostile clients (server.Options): bodies of reads sent with POST, the
		// time a body may take to arrive, the deadline of a request's work, and the requests in
		// flight per API key and, within a key, per client address (0: unbounded).
		MaxReadBodyBytes      int64    `yaml:"max_read_body_bytes"`
		BodyTimeout           Duration `yaml:"body_timeout"`
		RequestTimeout        Duration `yaml:"request_timeout"`
		MaxInFlightPerKey     int      `yaml:"max_in_flight_per_key"`
		MaxInFlightPerAddress int      `yaml:"max_in_flight_per_address"`
		// PprofMutexFraction and PprofBlockRate turn on the samples behind /debug/pprof/mutex
		// (1 in N contended mutex events) and /debug/pprof/block (one per N ns blocked); 0: off.
		PprofMutexFraction int `yaml:"pprof_mutex_fraction"`
		PprofBlockRate     int `yaml:"pprof_block_rate"`
	} `yaml:"http"`
	Auth struct {
		// Enabled turns API keys on in serve (demo forces it off).
		Enabled bool `yaml:"enabled"`
		// Keys are "name:role:sha256:<hex>[:rate[:burst]]" entries, comma-separated
		// (server.ParseAPIKeys); env RECD_AUTH_KEYS. Make hashes with recd hash-key.
		Keys       string  `yaml:"keys"`
		RatePerSec float64 `yaml:"rate_per_sec"` // default per-key rate; 0: unlimited
		Burst      int     `yaml:"burst"`
		ProtectOps bool    `yaml:"protect_ops"` // /metrics and /openapi.json need a read key
	} `yaml:"auth"`
	CORSOrigins string `yaml:"cors_origins"` // comma-separated; "" off, "*" any
	Events      struct {
		// Weights by event type; a rating's weight is multiplied by value/5.
		Weights       map[string]float64 `yaml:"weights"`
		DefaultWeight float64            `yaml:"default_weight"`
		// Timestamps must lie from min_timestamp (RFC 3339) to the clock plus max_future_skew.
		MaxFutureSkew Duration `yaml:"max_future_skew"`
		MinTimestamp  string   `yaml:"min_timestamp"`
	} `yaml:"events"`
	Train struct {
		// Interval between periodic retrains in serve (0 turns them off); a run is skipped
		// when no event arrived since the last one.
		Interval Duration `yaml:"interval"`
		// KeepVersions is how many newest model versions stay in the store after a training
		// run; older ones are deleted, except the one being served.
		KeepVersions     int      `yaml:"keep_versions"`
		TrendingHalfLife Duration `yaml:"trending_half_life"`
		// HeadShare is the share of most-interacted items that are not long-tail.
		HeadShare   float64              `yaml:"head_share"`
		KNN         model.ItemKNNOptions `yaml:"knn"`
		ALS         model.ALSOptions     `yaml:"als"`
		EASE        model.EASEOptions    `yaml:"ease"`         // max_items 0 turns EASE off
		ContentDims int                  `yaml:"content_dims"` // LSA dimensions of the content space
		TFIDF       embed.TFIDFOptions   `yaml:"tfidf"`
		LSA         struct {
			Oversample int    `yaml:"oversample"`
			PowerIters int    `yaml:"power_iters"`
			Seed       uint64 `yaml:"seed"`
		} `yaml:"lsa"`
		ProjectionL2 float64 `yaml:"projection_l2"` // ridge penalty of the content-to-CF projection
	} `yaml:"train"`
	Index struct {
		Backend        string   `yaml:"backend"` // hnsw (default, embedded in the data dir) or qdrant
		QdrantAddr     string   `yaml:"qdrant_addr"`
		QdrantAPIKey   string   `yaml:"qdrant_api_key"`
		QdrantPrefix   string   `yaml:"qdrant_collection"`
		M              int      `yaml:"m"`
		EfConstruction int      `yaml:"ef_construction"`
		EfSearch       int      `yaml:"ef_search"`
		SaveInterval   Duration `yaml:"save_interval"` // snapshot the index this often while it changes
		// Spaces declared up front: name, dim, metric (cosine, dot, l2).
		Spaces []index.SpaceConfig `yaml:"spaces"`
	} `yaml:"index"`
	Rank rank.Options `yaml:"rank"`
	// Sessions bounds the live sessions (recent actions per user or anonymous session).
	Sessions struct {
		MaxKeys    int      `yaml:"max_keys"`
		MaxActions int      `yaml:"max_actions"`
		TTL        Duration `yaml:"ttl"` // 0 keeps actions forever
	} `yaml:"sessions"`
	// Exposure bounds the impression counters behind the exposure boost.
	Exposure struct {
		HalfLife Duration `yaml:"half_life"`
		MaxItems int      `yaml:"max_items"`
	} `yaml:"exposure"`
	// Sources is the per-user cache of the model-dependent candidate sources a user's next
	// request reuses after an event; size 0 turns it off.
	Sources struct {
		Size        int      `yaml:"size"`
		MaxAge      Duration `yaml:"max_age"`
		MaxNewItems int      `yaml:"max_new_items"`
		MaxBytes    int64    `yaml:"max_bytes"`
	} `yaml:"sources"`
	// Redis, when addr is set, holds the state replicas share: sessions, trending and exposure
	// counters, precomputed recommendation lists and change notifications. Empty: in-process.
	Redis struct {
		Addr     string `yaml:"addr"` // host:port
		Password string `yaml:"password"`
		DB       int    `yaml:"db"`
		Prefix   string `yaml:"prefix"` // key prefix, so several deployments can share a server
		// Timeout bounds each Redis call; after a failure requests use in-process state for
		// retry_after before Redis is tried again.
		Timeout    Duration `yaml:"timeout"`
		RetryAfter Duration `yaml:"retry_after"`
		// Precompute stores the default list of active users (events within active_window, at
		// most precompute_users, n = precompute_n) every precompute_interval and after each new
		// model, for precompute_ttl; plain requests are served from it until the user's next
		// event. Needs addr.
		Precompute         bool     `yaml:"precompute"`
		PrecomputeInterval Duration `yaml:"precompute_interval"`
		PrecomputeUsers    int      `yaml:"precompute_users"`
		PrecomputeN        int      `yaml:"precompute_n"`
		PrecomputeTTL      Duration `yaml:"precompute_ttl"`
		ActiveWindow       Duration `yaml:"active_window"`
		// FlushInterval is how often impressions are sent to Redis and a failing Redis probed.
		FlushInterval Duration `yaml:"flush_interval"`
	} `yaml:"redis"`
	// Cache keeps recent recommendation responses; an entry ends with the user's next event,
	// a catalog change, a new model or its TTL. size 0 turns it off.
	Cache struct {
		Size int      `yaml:"size"`
		TTL  Duration `yaml:"ttl"`
	} `yaml:"cache"`
	// Feedback records every served list as an impression (batched, off the request path) and
	// attributes events to the lists that showed their items.
	Feedback struct {
		Impressions       bool     `yaml:"impressions"`
		FlushInterval     Duration `yaml:"flush_interval"`
		BatchSize         int      `yaml:"batch_size"`
		QueueSize         int      `yaml:"queue_size"`
		Retention         Duration `yaml:"retention"`
		AttributionWindow Duration `yaml:"attribution_window"`
		AttributionTypes  string   `yaml:"attribution_types"` // comma-separated event types
		AttributionLists  int      `yaml:"attribution_lists"`
		ClickTypes        string   `yaml:"click_types"`      // comma-separated event types
		ConversionTypes   string   `yaml:"conversion_types"` // comma-separated event types
	} `yaml:"feedback"`
	// LLM is an OpenAI-compatible endpoint (OpenAI, Ollama, vLLM, llama.cpp) for natural-language
	// requests and explanations; an empty base_url uses the built-in parser only.
	LLM struct {
		BaseURL   string   `yaml:"base_url"`
		Model     string   `yaml:"model"`
		APIKey    string   `yaml:"api_key"`
		Timeout   Duration `yaml:"timeout"`    // per LLM call
		Budget    Duration `yaml:"budget"`     // the most a request waits before the built-in parser answers
		Mode      string   `yaml:"mode"`       // tools or json_schema
		MaxTokens int      `yaml:"max_tokens"` // 0: not sent
	} `yaml:"llm"`
	Limits service.Limits `yaml:"limits"`
	// Replica configures following the other replicas that share a PostgreSQL store: their
	// events, catalog changes and client vectors every follow_interval (0 turns following
	// off), and a newer model every poll_interval. A SQLite store has one process: no follower.
	Replica struct {
		FollowInterval Duration `yaml:"follow_interval"`
		PollInterval   Duration `yaml:"poll_interval"`
		Grace          Duration `yaml:"grace"` // wait for a missing event sequence number
		// ShareSnapshot is how often at most the replicas publish their live snapshot to the
		// store, for a new replica with an empty data dir to start from (0: never).
		ShareSnapshot Duration `yaml:"share_snapshot"`
	} `yaml:"replica"`
	// Health configures the dependency checks behind /readyz and degraded mode.
	Health struct {
		Interval Duration `yaml:"interval"` // between checks
		Timeout  Duration `yaml:"timeout"`  // per check
	} `yaml:"health"`
	// Describe configures recd describe and POST /v1/admin/describe: the OpenAI-compatible
	// chat model that writes items' generated descriptions (base_url and model default to
	// llm's), and how the job selects items and paces its calls.
	Describe struct {
		BaseURL           string   `yaml:"base_url"`
		Model             string   `yaml:"model"`
		APIKey            string   `yaml:"api_key"`
		Fields            string   `yaml:"fields"` // comma-separated item fields shown to the model
		MinText           int      `yaml:"min_text"`
		Concurrency       int      `yaml:"concurrency"`
		RequestsPerSecond float64  `yaml:"requests_per_second"`
		MaxRetries        int      `yaml:"max_retries"`
		Timeout           Duration `yaml:"timeout"`
		MaxChars          int      `yaml:"max_chars"`
		MaxTokens         int      `yaml:"max_tokens"`
	} `yaml:"describe"`
	// Ranker is the learned ranking stage training fits after the candidate sources.
	Ranker struct {
		Enabled    bool    `yaml:"enabled"`
		Features   string  `yaml:"features"` // comma-separated numeric item attributes
		LabelSplit string  `yaml:"label_split"`
		Holdout    float64 `yaml:"holdout"`
		Trees      int     `yaml:"trees"`
		Seed       uint64  `yaml:"seed"`
		// Backend local or remote; the remote model server's root, model and deadline.
		Backend       string   `yaml:"backend"`
		RemoteURL     string   `yaml:"remote_url"`
		RemoteModel   string   `yaml:"remote_model"`
		RemoteTimeout Duration `yaml:"remote_timeout"`
		LogFeatures   float64  `yaml:"log_features"`
		Labels        string   `yaml:"labels"`
		Debias        bool     `yaml:"debias"`
		// PropensitySwaps is the share of feature-logged lists swapped for the propensity
		// estimate (service.RankerOptions.PropensitySwaps).
		PropensitySwaps float64 `yaml:"propensity_swaps"`
	} `yaml:"ranker"`
}

// Duration is a time.Duration written with a unit, "90s", "1h"; a bare number other than 0
// is rejected rather than guessed.
type Duration time.Duration

// UnmarshalYAML parses a duration string; a bare number other than 0 has no unit and is
// an error.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := parseDuration(n.Value)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes a duration string.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

func (d Duration) String() string { return time.Duration(d).String() }

// defaultConfig returns the configuration used when nothing is set: the libraries' own
// defaults wherever a library owns the setting.
func defaultConfig() Config {
	var c Config
	c.Addr = "127.0.0.1:8080"
	c.DataDir = "./data"
	c.Auth.Enabled = true
	c.Log.Level, c.Log.Format = "info", "text"
	c.Store.Driver, c.Store.Sync = "sqlite", "normal"
	c.HTTP.MaxBodyBytes = 32 << 20
	c.HTTP.ReadTimeout = Duration(30 * time.Second)
	c.HTTP.WriteTimeout = Duration(60 * time.Second)
	c.HTTP.IdleTimeout = Duration(120 * time.Second)
	c.HTTP.MaxReadBodyBytes = 1 << 20
	c.HTTP.BodyTimeout, c.HTTP.RequestTimeout = Duration(10*time.Second), Duration(5*time.Second)
	c.HTTP.MaxInFlightPerKey, c.HTTP.MaxInFlightPerAddress = 64, 16
	w := model.DefaultWeights()
	c.Events.Weights, c.Events.DefaultWeight = w.ByType, w.Default
	c.Events.MaxFutureSkew = Duration(service.DefaultMaxFutureSkew)
	c.Events.MinTimestamp = service.DefaultMinTimestamp.Format(time.RFC3339)
	c.defaultTrain()
	h := hnsw.DefaultOptions()
	c.Index.M, c.Index.EfConstruction, c.Index.EfSearch = h.M, h.EfConstruction, h.EfSearch
	c.Index.Backend, c.Index.QdrantPrefix = "hnsw", "recd_items"
	c.Index.SaveInterval = Duration(5 * time.Minute)
	c.Index.Spaces = []index.SpaceConfig{}
	c.Rank = rank.DefaultOptions()
	so, eo, sc := rank.DefaultSessionOptions(), rank.DefaultExposureOptions(), rank.DefaultSourceCacheOptions()
	c.Sessions.MaxKeys, c.Sessions.MaxActions, c.Sessions.TTL = so.MaxKeys, so.MaxActions, Duration(so.TTL)
	c.Exposure.HalfLife, c.Exposure.MaxItems = Duration(eo.HalfLife), eo.MaxItems
	c.Sources.Size, c.Sources.MaxAge, c.Sources.MaxNewItems = sc.Size, Duration(sc.MaxAge), sc.MaxNewItems
	c.Sources.MaxBytes = sc.MaxBytes
	c.Cache.Size, c.Cache.TTL = 50000, Duration(time.Minute)
	c.defaultFeedback()
	c.defaultRedis()
	lo := query.DefaultLLMOptions()
	c.LLM.Timeout, c.LLM.Mode, c.LLM.MaxTokens = Duration(lo.Timeout), lo.Mode, lo.MaxTokens
	c.LLM.Budget = Duration(3 * time.Second)
	c.Limits = service.DefaultLimits()
	fo, ho := service.DefaultFollowOptions(), service.DefaultHealthOptions()
	c.Replica.FollowInterval, c.Replica.PollInterval = Duration(fo.Interval), Duration(fo.ModelInterval)
	c.Replica.Grace, c.Replica.ShareSnapshot = Duration(fo.Grace), Duration(time.Hour)
	c.Health.Interval, c.Health.Timeout = Duration(ho.Interval), Duration(ho.Timeout)
	c.defaultDescribe()
	ro := service.DefaultRankerOptions()
	c.Ranker.Enabled, c.Ranker.LabelSplit, c.Ranker.Holdout = ro.Enabled, ro.LabelSplit, ro.Holdout
	c.Ranker.Trees, c.Ranker.Seed = ro.Trees, ro.Seed
	c.Ranker.Backend, c.Ranker.RemoteTimeout, c.Ranker.Labels = ro.Backend, Duration(ro.RemoteTimeout), ro.Labels
	c.Ranker.Debias = ro.Debias
	return c
}

// defaultTrain sets the train section's defaults from the models' own.
func (c *Config) defaultTrain() {
	c.Train.Interval = Duration(time.Hour)
	c.Train.KeepVersions = service.DefaultKeepVersions
	c.Train.TrendingHalfLife = Duration(7 * 24 * time.Hour)
	c.Train.HeadShare = rank.DefaultHeadShare
	c.Train.KNN = model.DefaultItemKNNOptions()
	c.Train.ALS = model.DefaultALSOptions()
	c.Train.EASE = model.DefaultEASEOptions()
	lsa := embed.DefaultLSAOptions()
	c.Train.ContentDims = lsa.Dim
	c.Train.TFIDF = embed.DefaultTFIDFOptions()
	c.Train.LSA.Oversample, c.Train.LSA.PowerIters, c.Train.LSA.Seed = lsa.Oversample, lsa.PowerIters, lsa.Seed
	c.Train.ProjectionL2 = service.DefaultOptions().ProjectionL2
}

// defaultRedis sets the redis section's defaults from service.DefaultSharedOptions.
func (c *Config) defaultRedis() {
	c.Redis.Prefix = "recd:"
	sh := service.DefaultSharedOptions()
	c.Redis.Timeout, c.Redis.RetryAfter = Duration(sh.Timeout), Duration(sh.RetryAfter)
	c.Redis.Precompute, c.Redis.PrecomputeInterval = sh.Precompute, Duration(sh.PrecomputeInterval)
	c.Redis.PrecomputeUsers, c.Redis.PrecomputeN = sh.PrecomputeUsers, sh.PrecomputeN
	c.Redis.PrecomputeTTL, c.Redis.ActiveWindow = Duration(sh.PrecomputeTTL), Duration(sh.ActiveWindow)
	c.Redis.FlushInterval = Duration(sh.FlushInterval)
}

// defaultFeedback sets the feedback section's defaults from the service's own.
func (c *Config) defaultFeedback() {
	fo := service.DefaultFeedbackOptions()
	f := &c.Feedback
	f.Impressions, f.FlushInterval, f.BatchSize, f.QueueSize = fo.Impressions, Duration(fo.FlushInterval), fo.BatchSize, fo.QueueSize
	f.Retention, f.AttributionWindow = Duration(fo.Retention), Duration(fo.AttributionWindow)
	f.AttributionTypes = strings.Join(fo.AttributionTypes, ",")
	f.AttributionLists = fo.AttributionLists
	f.ClickTypes, f.ConversionTypes = strings.Join(fo.ClickTypes, ","), strings.Join(fo.ConversionTypes, ",")
}
