package main

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
	"github.com/recd/recd/service"
)

// ConfigError names the configuration field that is wrong, e.g.
// "config: train.als.factors: must be between 1 and 1024".
type ConfigError struct {
	Field   string
	Message string
}

func (e *ConfigError) Error() string { return "config: " + e.Field + ": " + e.Message }

// validate checks every field and names the first bad one: the schema's ranges, then the
// rules that tie fields together, then what the libraries check besides.
func (c *Config) validate() error {
	if err := c.validateRanges(); err != nil {
		return err
	}
	if err := c.validateCross(); err != nil {
		return err
	}
	return c.validateLibraries()
}

// validateRanges checks every field against its rule in schema, each value of a map field
// on its own.
func (c *Config) validateRanges() error {
	rules := map[string]rule{}
	for _, s := range schema {
		if s.rule != nil {
			rules[s.path] = s.rule
		}
	}
	return walk(reflect.ValueOf(c).Elem(), "", func(path string, v reflect.Value) error {
		r := rules[path]
		if r == nil {
			return nil
		}
		if v.Kind() != reflect.Map {
			if msg := r.check(v); msg != "" {
				return &ConfigError{Field: path, Message: msg}
			}
			return nil
		}
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, k := range keys {
			if msg := r.check(v.MapIndex(k)); msg != "" {
				return &ConfigError{Field: path + "." + k.String(), Message: msg}
			}
		}
		return nil
	})
}

// validateCross checks the rules that tie one field to another.
func (c *Config) validateCross() error {
	bad := func(field, msg string) error { return &ConfigError{Field: field, Message: msg} }
	switch {
	case c.Store.Driver == "postgres" && c.Store.DSN == "":
		return bad("store.dsn", "is required for the postgres driver")
	case c.Index.Backend == "qdrant" && c.Index.QdrantAddr == "":
		return bad("index.qdrant_addr", "is required for the qdrant backend (host:6334)")
	case c.Redis.PrecomputeN > c.Limits.MaxN:
		return bad("redis.precompute_n", fmt.Sprintf("must be between 1 and limits.max_n (%d)", c.Limits.MaxN))
	case c.Rank.Pool > c.Limits.MaxCandidates:
		return bad("rank.pool", fmt.Sprintf("must be between 10 and limits.max_candidates (%d)", c.Limits.MaxCandidates))
	case c.LLM.BaseURL != "" && c.LLM.Model == "":
		return bad("llm.model", "is required when llm.base_url is set")
	case c.Describe.BaseURL != "" && c.Describe.Model == "" && c.LLM.Model == "":
		return bad("describe.model", "is required when describe.base_url is set")
	case c.Ranker.Backend == service.RankerRemote && c.Ranker.RemoteModel == "":
		return bad("ranker.remote_model", "is required for the remote backend")
	case c.Ranker.Backend == service.RankerRemote && c.Ranker.RemoteURL == "":
		return bad("ranker.remote_url", "is required for the remote backend (http://host:8000)")
	case c.HTTP.BodyTimeout+c.HTTP.RequestTimeout >= c.HTTP.WriteTimeout:
		return bad("http.request_timeout", "body_timeout + request_timeout must be shorter than write_timeout")
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
	return nil
}

// validateLibraries runs the options' own Validate methods, which also check what no single
// range says (category and CF shares of MMR's similarity add up to at most 1).
func (c *Config) validateLibraries() error {
	for _, v := range []struct {
		section string
		err     error
	}{{"train.knn", c.Train.KNN.Validate()}, {"train.als", c.Train.ALS.Validate()},
		{"train.tfidf", c.Train.TFIDF.Validate()}, {"index", c.hnswOptions().Validate()}, {"rank", c.Rank.ValidateRerank()},
		{"limits", c.Limits.Validate()}, {"feedback", c.onlineOptions().Validate()},
		{"describe", c.describeOptions().Validate()},
		{"ranker", c.rankerOptions().Validate()}} {
		if v.err == nil {
			continue
		}
		var fe *recd.FieldError
		if errors.As(v.err, &fe) {
			return &ConfigError{Field: v.section + "." + fe.Field, Message: fe.Message}
		}
		return &ConfigError{Field: v.section, Message: v.err.Error()}
	}
	return nil
}
