package main

import (
	"path/filepath"
	"strings"
	"time"

	"github.com/recd/recd/embed"
	"github.com/recd/recd/index/hnsw"
	"github.com/recd/recd/model"
	"github.com/recd/recd/oip"
	"github.com/recd/recd/online"
	"github.com/recd/recd/query"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/service"
)

// serviceOptions turns the configuration into the service's options; the binary adds the
// backends (index, Redis client, logger) itself.
func (c *Config) serviceOptions() service.Options {
	o := service.DefaultOptions()
	o.Weights = model.Weights{ByType: c.Events.Weights, Default: c.Events.DefaultWeight}
	o.MaxFutureSkew = time.Duration(c.Events.MaxFutureSkew)
	o.MinTimestamp, _ = time.Parse(time.RFC3339, c.Events.MinTimestamp) // checked by validate
	o.TrendingHalfLife = time.Duration(c.Train.TrendingHalfLife)
	o.AutoCreateItems = c.AutoCreateItems
	o.Limits = c.Limits
	c.trainOptions(&o)
	o.Rank = c.Rank
	o.Sessions = rank.SessionOptions{MaxKeys: c.Sessions.MaxKeys, MaxActions: c.Sessions.MaxActions,
		TTL: time.Duration(c.Sessions.TTL)}
	o.Exposure = rank.ExposureOptions{HalfLife: time.Duration(c.Exposure.HalfLife), MaxItems: c.Exposure.MaxItems}
	o.Sources = rank.SourceCacheOptions{Size: c.Sources.Size, MaxAge: time.Duration(c.Sources.MaxAge),
		MaxNewItems: c.Sources.MaxNewItems, MaxBytes: c.Sources.MaxBytes}
	o.CacheSize, o.CacheTTL = c.Cache.Size, time.Duration(c.Cache.TTL)
	o.Feedback = c.feedbackOptions()
	o.Ranker = c.rankerOptions()
	o.Spaces = c.Index.Spaces
	o.StateDir = c.indexDir()
	o.LiveSnapshot = filepath.Join(c.DataDir, "live.snapshot")
	o.ShareLiveSnapshot = time.Duration(c.Replica.ShareSnapshot)
	if c.LLM.BaseURL != "" {
		o.LLM = query.DefaultLLMOptions()
		o.LLM.BaseURL, o.LLM.Model, o.LLM.APIKey = c.LLM.BaseURL, c.LLM.Model, c.LLM.APIKey
		o.LLM.Timeout, o.LLM.Mode, o.LLM.MaxTokens = time.Duration(c.LLM.Timeout), c.LLM.Mode, c.LLM.MaxTokens
	}
	o.LLMBudget = time.Duration(c.LLM.Budget)
	o.RedisPrefix = c.Redis.Prefix
	o.Shared = c.sharedOptions()
	o.Describe = c.describeServiceOptions()
	return o
}

// trainOptions sets the models' options from the train section.
func (c *Config) trainOptions(o *service.Options) {
	o.KNN = c.Train.KNN
	o.ALS = c.Train.ALS
	o.EASE = c.Train.EASE
	o.TFIDF = c.Train.TFIDF
	o.LSA = embed.LSAOptions{Dim: c.Train.ContentDims, Oversample: c.Train.LSA.Oversample,
		PowerIters: c.Train.LSA.PowerIters, Seed: c.Train.LSA.Seed}
	o.ProjectionL2 = c.Train.ProjectionL2
	o.HeadShare = c.Train.HeadShare
	o.KeepVersions = c.Train.KeepVersions
}

func (c *Config) sharedOptions() service.SharedOptions {
	return service.SharedOptions{Timeout: time.Duration(c.Redis.Timeout), RetryAfter: time.Duration(c.Redis.RetryAfter),
		Precompute: c.Redis.Precompute, PrecomputeInterval: time.Duration(c.Redis.PrecomputeInterval),
		PrecomputeUsers: c.Redis.PrecomputeUsers, PrecomputeN: c.Redis.PrecomputeN,
		PrecomputeTTL: time.Duration(c.Redis.PrecomputeTTL), ActiveWindow: time.Duration(c.Redis.ActiveWindow),
		FlushInterval: time.Duration(c.Redis.FlushInterval)}
}

func (c *Config) healthOptions() service.HealthOptions {
	return service.HealthOptions{Interval: time.Duration(c.Health.Interval), Timeout: time.Duration(c.Health.Timeout)}
}

func (c *Config) followOptions() service.FollowOptions {
	return service.FollowOptions{Interval: time.Duration(c.Replica.FollowInterval),
		ModelInterval: time.Duration(c.Replica.PollInterval), Grace: time.Duration(c.Replica.Grace),
		SharedIndex: c.Index.Backend == "qdrant"}
}

func (c *Config) hnswOptions() hnsw.Options {
	o := hnsw.DefaultOptions()
	o.M, o.EfConstruction, o.EfSearch = c.Index.M, c.Index.EfConstruction, c.Index.EfSearch
	return o
}

func (c *Config) indexDir() string { return filepath.Join(c.DataDir, "index") }

// feedbackOptions are the service's feedback options from the feedback section.
func (c *Config) feedbackOptions() service.FeedbackOptions {
	f := c.Feedback
	o := service.FeedbackOptions{Impressions: f.Impressions, FlushInterval: time.Duration(f.FlushInterval),
		BatchSize: f.BatchSize, QueueSize: f.QueueSize, Retention: time.Duration(f.Retention),
		AttributionWindow: time.Duration(f.AttributionWindow), AttributionTypes: eventTypes(f.AttributionTypes),
		AttributionLists: f.AttributionLists,
		ClickTypes:       eventTypes(f.ClickTypes), ConversionTypes: eventTypes(f.ConversionTypes)}
	return o
}

// eventTypes splits a comma-separated list of event types (never nil: an empty list is none).
func eventTypes(s string) []string {
	out := []string{}
	for _, t := range strings.Split(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// onlineOptions are the online metrics' options from the feedback section.
func (c *Config) onlineOptions() online.Options {
	f := c.Feedback
	return online.Options{ClickTypes: eventTypes(f.ClickTypes), ConversionTypes: eventTypes(f.ConversionTypes)}.WithDefaults()
}

// rankerOptions are the learned ranker's options.
func (c *Config) rankerOptions() service.RankerOptions {
	r := c.Ranker
	o := service.RankerOptions{Enabled: r.Enabled, LabelSplit: r.LabelSplit, Holdout: r.Holdout, Trees: r.Trees, Seed: r.Seed,
		Backend: r.Backend, RemoteTimeout: time.Duration(r.RemoteTimeout), LogFeatures: r.LogFeatures, Labels: r.Labels,
		Debias: r.Debias, PropensitySwaps: r.PropensitySwaps}
	if r.Backend == service.RankerRemote {
		if client, err := oip.New(r.RemoteURL, r.RemoteModel, nil); err == nil {
			o.Remote = client
		}
	}
	for _, f := range strings.Split(r.Features, ",") {
		if f = strings.TrimSpace(f); f != "" {
			o.Features = append(o.Features, f)
		}
	}
	return o
}
