package main

import (
	"errors"
	"fmt"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
)

// ConfigError names the configuration field that is wrong.
type ConfigError struct {
	Field   string
	Message string
}

func (e *ConfigError) Error() string { return "config: " + e.Field + ": " + e.Message }

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
	case c.Limits.MaxN < 1 || c.Limits.MaxBatch < 1 || c.Limits.MaxIDLength < 1:
		return bad("limits", "max_n, max_batch and max_id_length must be positive")
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
