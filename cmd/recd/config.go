package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/recd/recd"
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
// variables, then flags. Only the binary reads it; libraries get options structs.
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
	} `yaml:"events"`
	Train struct {
		// Interval between periodic retrains in serve (0 turns them off); a run is skipped
		// when no event arrived since the last one.
		Interval         Duration             `yaml:"interval"`
		TrendingHalfLife Duration             `yaml:"trending_half_life"`
		KNN              model.ItemKNNOptions `yaml:"knn"`
		ALS              struct {
			Factors    int     `yaml:"factors"`
			Iterations int     `yaml:"iterations"`
			Alpha      float64 `yaml:"alpha"`
			Lambda     float64 `yaml:"lambda"`
			Seed       uint64  `yaml:"seed"`
		} `yaml:"als"`
		ContentDims int `yaml:"content_dims"` // LSA dimensions of the content space
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
	} `yaml:"redis"`
	// Cache keeps recent recommendation responses; an entry ends with the user's next event,
	// a catalog change, a new model or its TTL. size 0 turns it off.
	Cache struct {
		Size int      `yaml:"size"`
		TTL  Duration `yaml:"ttl"`
	} `yaml:"cache"`
	// LLM is an OpenAI-compatible endpoint (OpenAI, Ollama, vLLM, llama.cpp) for natural-language
	// requests and explanations; an empty base_url uses the built-in parser only.
	LLM struct {
		BaseURL string   `yaml:"base_url"`
		Model   string   `yaml:"model"`
		APIKey  string   `yaml:"api_key"`
		Timeout Duration `yaml:"timeout"` // per LLM call
		Budget  Duration `yaml:"budget"`  // the most a request waits before the built-in parser answers
	} `yaml:"llm"`
	Limits service.Limits `yaml:"limits"`
	// Replica configures following the other replicas that share a PostgreSQL store: their
	// events, catalog changes and client vectors every follow_interval (0 turns following
	// off), and a newer model every poll_interval. A SQLite store has one process: no follower.
	Replica struct {
		FollowInterval Duration `yaml:"follow_interval"`
		PollInterval   Duration `yaml:"poll_interval"`
	} `yaml:"replica"`
	// Health configures the dependency checks behind /readyz and degraded mode.
	Health struct {
		Interval Duration `yaml:"interval"` // between checks
		Timeout  Duration `yaml:"timeout"`  // per check
	} `yaml:"health"`
}

// Duration is a time.Duration written as "90s", "1h".
type Duration time.Duration

// UnmarshalYAML parses a duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("%q is not a duration such as 90s or 1h", n.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes a duration string.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

func (d Duration) String() string { return time.Duration(d).String() }

// defaultConfig returns the configuration used when nothing is set.
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
	c.Train.Interval = Duration(time.Hour)
	c.Train.TrendingHalfLife = Duration(7 * 24 * time.Hour)
	c.Train.KNN = model.DefaultItemKNNOptions()
	als := model.DefaultALSOptions()
	c.Train.ALS.Factors, c.Train.ALS.Iterations, c.Train.ALS.Alpha = als.Factors, als.Iterations, als.Alpha
	c.Train.ALS.Lambda, c.Train.ALS.Seed = als.Lambda, als.Seed
	c.Train.ContentDims = embed.DefaultLSAOptions().Dim
	h := hnsw.DefaultOptions()
	c.Index.M, c.Index.EfConstruction, c.Index.EfSearch = h.M, h.EfConstruction, h.EfSearch
	c.Index.Backend, c.Index.QdrantPrefix = "hnsw", "recd_items"
	c.Index.SaveInterval = Duration(5 * time.Minute)
	c.Rank = rank.DefaultOptions()
	c.Cache.Size, c.Cache.TTL = 50000, Duration(time.Minute)
	c.Redis.Prefix = "recd:"
	sh := service.DefaultSharedOptions()
	c.Redis.Timeout, c.Redis.RetryAfter = Duration(sh.Timeout), Duration(sh.RetryAfter)
	c.Redis.Precompute, c.Redis.PrecomputeInterval = sh.Precompute, Duration(sh.PrecomputeInterval)
	c.Redis.PrecomputeUsers, c.Redis.PrecomputeN = sh.PrecomputeUsers, sh.PrecomputeN
	c.Redis.PrecomputeTTL, c.Redis.ActiveWindow = Duration(sh.PrecomputeTTL), Duration(sh.ActiveWindow)
	c.LLM.Timeout = Duration(3 * time.Second)
	c.LLM.Budget = Duration(3 * time.Second)
	c.Limits = service.DefaultLimits()
	fo, ho := service.DefaultFollowOptions(), service.DefaultHealthOptions()
	c.Replica.FollowInterval, c.Replica.PollInterval = Duration(fo.Interval), Duration(fo.ModelInterval)
	c.Health.Interval, c.Health.Timeout = Duration(ho.Interval), Duration(ho.Timeout)
	return c
}

// ConfigError names the configuration field that is wrong.
type ConfigError struct {
	Field   string
	Message string
}

func (e *ConfigError) Error() string { return "config: " + e.Field + ": " + e.Message }

// loadFile merges a YAML file into c, rejecting unknown fields.
func (c *Config) loadFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) { // io.EOF: an empty file
		return fmt.Errorf("config %s: %w", path, err)
	}
	return nil
}

// loadEnv applies RECD_* variables: the upper-cased YAML path joined by '_', e.g.
// RECD_DATA_DIR, RECD_TRAIN_INTERVAL, RECD_TRAIN_KNN_NEIGHBORS; maps as "k=v,k=v",
// e.g. RECD_EVENTS_WEIGHTS="view=0.5,purchase=5".
func (c *Config) loadEnv(environ []string) error {
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "RECD_") {
			env[k] = v
		}
	}
	return walk(reflect.ValueOf(c).Elem(), "", func(path string, v reflect.Value) error {
		name := "RECD_" + strings.ToUpper(strings.ReplaceAll(path, ".", "_"))
		s, ok := env[name]
		if !ok {
			return nil
		}
		if err := setValue(v, s); err != nil {
			return &ConfigError{Field: path + " (" + name + ")", Message: err.Error()}
		}
		return nil
	})
}

// walk calls fn for every settable leaf field with its dotted YAML path.
func walk(v reflect.Value, prefix string, fn func(string, reflect.Value) error) error {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		path := tag
		if prefix != "" {
			path = prefix + "." + tag
		}
		fv := v.Field(i)
		if fv.Kind() == reflect.Struct {
			if err := walk(fv, path, fn); err != nil {
				return err
			}
			continue
		}
		if err := fn(path, fv); err != nil {
			return err
		}
	}
	return nil
}

func setValue(v reflect.Value, s string) error {
	if v.Type() == reflect.TypeOf(Duration(0)) {
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("%q is not a duration such as 90s or 1h", s)
		}
		v.SetInt(int64(d))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("%q is not true or false", s)
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not an integer", s)
		}
		v.SetInt(n)
	case reflect.Float64:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", s)
		}
		v.SetFloat(f)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for _, kv := range strings.Split(s, ",") {
			k, val, ok := strings.Cut(strings.TrimSpace(kv), "=")
			if !ok {
				return fmt.Errorf("%q is not a list of key=value pairs", s)
			}
			f, err := strconv.ParseFloat(val, 64)
			if err != nil {
				return fmt.Errorf("%q: %q is not a number", k, val)
			}
			m.SetMapIndex(reflect.ValueOf(k), reflect.ValueOf(f))
		}
		v.Set(m)
	default:
		return fmt.Errorf("cannot be set from the environment")
	}
	return nil
}

// validate checks every field and names the first bad one.
func (c *Config) validate() error {
	bad := func(field, msg string) error { return &ConfigError{Field: field, Message: msg} }
	switch {
	case c.Addr == "":
		return bad("addr", "is required, e.g. 127.0.0.1:8080")
	case c.DataDir == "":
		return bad("data_dir", "is required")
	case c.Store.Driver != "sqlite" && c.Store.Driver != "postgres":
		return bad("store.driver", fmt.Sprintf("%q is not supported (sqlite or postgres)", c.Store.Driver))
	case c.Store.Driver == "postgres" && c.Store.DSN == "":
		return bad("store.dsn", "is required for the postgres driver")
	case c.Index.Backend != "hnsw" && c.Index.Backend != "qdrant":
		return bad("index.backend", fmt.Sprintf("%q is not supported (hnsw or qdrant)", c.Index.Backend))
	case c.Index.Backend == "qdrant" && c.Index.QdrantAddr == "":
		return bad("index.qdrant_addr", "is required for the qdrant backend (host:6334)")
	case c.Redis.DB < 0 || c.Redis.DB > 15:
		return bad("redis.db", "must be between 0 and 15")
	case c.Redis.Timeout <= 0 || c.Redis.RetryAfter <= 0:
		return bad("redis", "timeout and retry_after must be positive")
	case c.Redis.PrecomputeInterval <= 0 || c.Redis.PrecomputeTTL <= 0 || c.Redis.ActiveWindow <= 0:
		return bad("redis", "precompute_interval, precompute_ttl and active_window must be positive")
	case c.Redis.PrecomputeUsers < 1:
		return bad("redis.precompute_users", "must be at least 1")
	case c.Redis.PrecomputeN < 1 || c.Redis.PrecomputeN > c.Limits.MaxN:
		return bad("redis.precompute_n", "must be between 1 and limits.max_n")
	case c.Store.Sync != "normal" && c.Store.Sync != "full":
		return bad("store.sync", "must be normal or full")
	case c.HTTP.MaxBodyBytes < 1024:
		return bad("http.max_body_bytes", "must be at least 1024")
	case c.HTTP.ReadTimeout <= 0 || c.HTTP.WriteTimeout <= 0 || c.HTTP.IdleTimeout <= 0:
		return bad("http", "read_timeout, write_timeout and idle_timeout must be positive")
	case c.HTTP.MaxReadBodyBytes < 1024 || c.HTTP.MaxReadBodyBytes > c.HTTP.MaxBodyBytes:
		return bad("http.max_read_body_bytes", "must be between 1024 and http.max_body_bytes")
	case c.HTTP.BodyTimeout <= 0 || c.HTTP.RequestTimeout <= 0:
		return bad("http", "body_timeout and request_timeout must be positive")
	case c.HTTP.BodyTimeout+c.HTTP.RequestTimeout >= c.HTTP.WriteTimeout:
		return bad("http.request_timeout", "body_timeout + request_timeout must be shorter than write_timeout")
	case c.HTTP.MaxInFlightPerKey < 0 || c.HTTP.MaxInFlightPerAddress < 0:
		return bad("http", "max_in_flight_per_key and max_in_flight_per_address must be >= 0 (0: unbounded)")
	case c.Train.Interval < 0:
		return bad("train.interval", "must not be negative (0 turns periodic training off)")
	case c.Train.TrendingHalfLife <= 0:
		return bad("train.trending_half_life", "must be positive")
	case c.Replica.FollowInterval < 0:
		return bad("replica.follow_interval", "must not be negative (0 turns following off)")
	case c.Replica.PollInterval <= 0:
		return bad("replica.poll_interval", "must be positive")
	case c.Health.Interval <= 0 || c.Health.Timeout <= 0:
		return bad("health", "interval and timeout must be positive")
	case c.Limits.Validate() != nil:
		var fe *recd.FieldError
		if errors.As(c.Limits.Validate(), &fe) {
			return bad("limits."+fe.Field, fe.Message)
		}
		return bad("limits", c.Limits.Validate().Error())
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return bad("log.level", "must be debug, info, warn or error")
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		return bad("log.format", "must be text or json")
	}
	for k, w := range c.Events.Weights {
		if w != w || w > 1e6 || w < -1e6 {
			return bad("events.weights."+k, "must be a finite number within ±1e6")
		}
	}
	if err := c.Train.KNN.Validate(); err != nil {
		return bad("train.knn", err.Error())
	}
	if err := c.alsOptions().Validate(); err != nil {
		return bad("train.als", err.Error())
	}
	if c.Train.ContentDims < 2 || c.Train.ContentDims > 1024 {
		return bad("train.content_dims", "must be between 2 and 1024")
	}
	if err := c.hnswOptions().Validate(); err != nil {
		return bad("index", err.Error())
	}
	for i, sp := range c.Index.Spaces {
		f := fmt.Sprintf("index.spaces[%d]", i)
		switch {
		case !index.ValidSpaceName(sp.Name):
			return bad(f+".name", "must be a plain identifier")
		case sp.Dim < 1 || sp.Dim > c.Limits.MaxVectorDim:
			return bad(f+".dim", fmt.Sprintf("must be between 1 and %d", c.Limits.MaxVectorDim))
		case sp.Metric != index.Cosine && sp.Metric != index.Dot && sp.Metric != index.L2:
			return bad(f+".metric", "must be cosine, dot or l2")
		}
	}
	if c.LLM.BaseURL != "" && c.LLM.Model == "" {
		return bad("llm.model", "is required when llm.base_url is set")
	}
	if c.LLM.Timeout <= 0 || c.LLM.Budget <= 0 {
		return bad("llm", "timeout and budget must be positive")
	}
	r := c.Rank
	switch {
	case r.Pool < 10 || r.Pool > c.Limits.MaxCandidates:
		return bad("rank.pool", fmt.Sprintf("must be between 10 and limits.max_candidates (%d)", c.Limits.MaxCandidates))
	case r.Diversity < 0 || r.Diversity > 1:
		return bad("rank.diversity", "must be between 0 and 1")
	case r.Calibration < 0 || r.Calibration > 1:
		return bad("rank.calibration", "must be between 0 and 1")
	case r.LongTailShare < 0 || r.LongTailShare > 1:
		return bad("rank.long_tail_share", "must be between 0 and 1")
	case r.SessionWeight < 0 || r.SessionWeight > 1:
		return bad("rank.session_weight", "must be between 0 and 1")
	case r.FewEvents < 0 || r.SessionN < 0 || r.ProfileItems < 1:
		return bad("rank", "few_events and session_n must be >= 0, profile_items >= 1")
	}
	if err := r.ValidateRerank(); err != nil {
		var fe *recd.FieldError
		if errors.As(err, &fe) {
			return bad("rank."+fe.Field, fe.Message)
		}
		return bad("rank", err.Error())
	}
	for k, w := range r.Weights {
		if !(w >= 0 && w <= 100) {
			return bad("rank.weights."+k, "must be between 0 and 100")
		}
	}
	return nil
}

func (c *Config) serviceOptions() service.Options {
	o := service.DefaultOptions()
	o.Weights = model.Weights{ByType: c.Events.Weights, Default: c.Events.DefaultWeight}
	o.KNN = c.Train.KNN
	o.TrendingHalfLife = time.Duration(c.Train.TrendingHalfLife)
	o.AutoCreateItems = c.AutoCreateItems
	o.Limits = c.Limits
	o.ALS = c.alsOptions()
	o.LSA.Dim = c.Train.ContentDims
	o.Rank = c.Rank
	o.CacheSize, o.CacheTTL = c.Cache.Size, time.Duration(c.Cache.TTL)
	o.Spaces = c.Index.Spaces
	o.StateDir = c.indexDir()
	if c.LLM.BaseURL != "" {
		o.LLM = query.DefaultLLMOptions()
		o.LLM.BaseURL, o.LLM.Model, o.LLM.APIKey = c.LLM.BaseURL, c.LLM.Model, c.LLM.APIKey
		o.LLM.Timeout = time.Duration(c.LLM.Timeout)
	}
	o.LLMBudget = time.Duration(c.LLM.Budget)
	o.RedisPrefix = c.Redis.Prefix
	o.Shared = service.SharedOptions{Timeout: time.Duration(c.Redis.Timeout), RetryAfter: time.Duration(c.Redis.RetryAfter),
		Precompute: c.Redis.Precompute, PrecomputeInterval: time.Duration(c.Redis.PrecomputeInterval),
		PrecomputeUsers: c.Redis.PrecomputeUsers, PrecomputeN: c.Redis.PrecomputeN,
		PrecomputeTTL: time.Duration(c.Redis.PrecomputeTTL), ActiveWindow: time.Duration(c.Redis.ActiveWindow),
		FlushInterval: service.DefaultSharedOptions().FlushInterval}
	return o
}

func (c *Config) alsOptions() model.ALSOptions {
	o := model.DefaultALSOptions()
	o.Factors, o.Iterations, o.Alpha, o.Lambda, o.Seed = c.Train.ALS.Factors, c.Train.ALS.Iterations,
		c.Train.ALS.Alpha, c.Train.ALS.Lambda, c.Train.ALS.Seed
	return o
}

func (c *Config) hnswOptions() hnsw.Options {
	o := hnsw.DefaultOptions()
	o.M, o.EfConstruction, o.EfSearch = c.Index.M, c.Index.EfConstruction, c.Index.EfSearch
	return o
}

func (c *Config) indexDir() string { return filepath.Join(c.DataDir, "index") }
