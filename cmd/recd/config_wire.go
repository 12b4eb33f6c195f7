package main

import (
	"path/filepath"
	"time"

	"github.com/recd/recd/index/hnsw"
	"github.com/recd/recd/model"
	"github.com/recd/recd/query"
	"github.com/recd/recd/service"
)

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

func (c *Config) healthOptions() service.HealthOptions {
	return service.HealthOptions{Interval: time.Duration(c.Health.Interval), Timeout: time.Duration(c.Health.Timeout)}
}

func (c *Config) followOptions() service.FollowOptions {
	o := service.DefaultFollowOptions()
	o.Interval, o.ModelInterval = time.Duration(c.Replica.FollowInterval), time.Duration(c.Replica.PollInterval)
	o.SharedIndex = c.Index.Backend == "qdrant"
	return o
}
