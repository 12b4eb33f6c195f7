package main

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestConfig_Precedence(t *testing.T) {
	f := filepath.Join(t.TempDir(), "recd.yaml")
	os.WriteFile(f, []byte("addr: 0.0.0.0:9000\ndata_dir: /from/file\ntrain:\n  interval: 5m\n  knn:\n    neighbors: 30\n"), 0o644)
	t.Setenv("RECD_DATA_DIR", "/from/env")
	t.Setenv("RECD_TRAIN_KNN_SHRINK", "25")
	t.Setenv("RECD_EVENTS_WEIGHTS", "view=0.25,purchase=5")
	cf := commonFlags{config: f, addr: "127.0.0.1:7000"}
	cfg, err := cf.load()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:7000" {
		t.Errorf("addr = %q: flags should win", cfg.Addr)
	}
	if cfg.DataDir != "/from/env" {
		t.Errorf("data_dir = %q: env should beat the file", cfg.DataDir)
	}
	if time.Duration(cfg.Train.Interval) != 5*time.Minute || cfg.Train.KNN.Neighbors != 30 || cfg.Train.KNN.Shrink != 25 {
		t.Errorf("train = %+v", cfg.Train)
	}
	if cfg.Train.KNN.ScoreNeighbors != 20 {
		t.Errorf("unset fields keep their defaults: score_neighbors = %d", cfg.Train.KNN.ScoreNeighbors)
	}
	if cfg.Events.Weights["purchase"] != 5 || len(cfg.Events.Weights) != 2 {
		t.Errorf("weights = %v", cfg.Events.Weights)
	}
}

func TestConfig_ErrorsNameTheField(t *testing.T) {
	cases := []struct {
		yaml, env, field string
	}{
		{yaml: "train:\n  knn:\n    shrink: -1\n", field: "train.knn"},
		{yaml: "store:\n  sync: sometimes\n", field: "store.sync"},
		{yaml: "log:\n  level: loud\n", field: "log.level"},
		{yaml: "train:\n  interval: soon\n", field: "interval"},
		{yaml: "trian: {}\n", field: "trian"},
		{env: "RECD_LIMITS_MAX_N=lots", field: "limits.max_n"},
		{env: "RECD_AUTO_CREATE_ITEMS=maybe", field: "auto_create_items"},
		{yaml: "events:\n  max_future_skew: 0s\n", field: "events.max_future_skew"},
		{env: "RECD_EVENTS_MAX_FUTURE_SKEW=-1m", field: "events.max_future_skew"},
		{yaml: "events:\n  min_timestamp: yesterday\n", field: "events.min_timestamp"},
		{env: "RECD_EVENTS_MIN_TIMESTAMP=1500-01-01T00:00:00Z", field: "events.min_timestamp"},
		{env: "RECD_EVENTS_MIN_TIMESTAMP=3000-01-01T00:00:00Z", field: "events.min_timestamp"},
	}
	for _, c := range cases {
		t.Run(c.field, func(t *testing.T) {
			var cf commonFlags
			if c.yaml != "" {
				cf.config = filepath.Join(t.TempDir(), "c.yaml")
				os.WriteFile(cf.config, []byte(c.yaml), 0o644)
			}
			if k, v, ok := strings.Cut(c.env, "="); ok {
				t.Setenv(k, v)
			}
			_, err := cf.load()
			if err == nil || !strings.Contains(err.Error(), c.field) {
				t.Fatalf("err = %v, want one naming %q", err, c.field)
			}
			var ce *ConfigError
			if c.env != "" && !errors.As(err, &ce) {
				t.Errorf("err %T is not a *ConfigError", err)
			}
		})
	}
}

func TestConfig_RerankOptionsAreValidated(t *testing.T) {
	cfg := defaultConfig()
	if err := cfg.loadEnv([]string{"RECD_RANK_DIVERSITY_RELEVANCE=linear"}); err != nil {
		t.Fatal(err)
	}
	err := cfg.validate()
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Field != "rank.diversity_relevance" {
		t.Fatalf("validate = %v, want a ConfigError naming rank.diversity_relevance", err)
	}
}

func TestConfig_SimilarityWeightsMustLeaveContentItsShare(t *testing.T) {
	cfg := defaultConfig()
	if err := cfg.loadEnv([]string{"RECD_RANK_DIVERSITY_CATEGORY_WEIGHT=0.75", "RECD_RANK_DIVERSITY_CF_WEIGHT=0.5"}); err != nil {
		t.Fatal(err)
	}
	var ce *ConfigError
	if err := cfg.validate(); !errors.As(err, &ce) || ce.Field != "rank.diversity_cf_weight" {
		t.Fatalf("validate = %v, want a ConfigError naming rank.diversity_cf_weight", err)
	}
	cfg = defaultConfig()
	if err := cfg.loadEnv([]string{"RECD_RANK_DIVERSITY_CATEGORY_WEIGHT=0.5", "RECD_RANK_DIVERSITY_CF_WEIGHT=0.5"}); err != nil {
		t.Fatal(err)
	}
	if err := cfg.validate(); err != nil {
		t.Fatalf("category 0.5 + cf 0.5: %v", err)
	}
}

// The configuration reference in the README is a file recd loads as it stands, with the
// defaults it claims: every section, not only rank.
func TestConfig_READMEReferenceLoads(t *testing.T) {
	readme, start, end := readmeReference(t)
	path := filepath.Join(t.TempDir(), "recd.yaml")
	if err := os.WriteFile(path, []byte(readme[start:end]), 0o600); err != nil {
		t.Fatal(err)
	}
	var cfg Config // zero: every value must come from the README
	if err := cfg.loadFile(path); err != nil {
		t.Fatalf("README reference: %v", err)
	}
	if err := cfg.validate(); err != nil {
		t.Fatalf("README reference: %v", err)
	}
	def := defaultConfig()
	if got, want := cfg.serviceOptions().Rank, def.serviceOptions().Rank; !reflect.DeepEqual(got, want) {
		t.Errorf("README's rank section differs from the defaults:\n got %+v\nwant %+v", got, want)
	}
	gotV, wantV := reflect.ValueOf(cfg), reflect.ValueOf(def)
	for i := 0; i < gotV.NumField(); i++ {
		if !reflect.DeepEqual(gotV.Field(i).Interface(), wantV.Field(i).Interface()) {
			t.Errorf("README's %s differs from the defaults:\n got %+v\nwant %+v", gotV.Type().Field(i).Tag.Get("yaml"),
				gotV.Field(i).Interface(), wantV.Field(i).Interface())
		}
	}
}

func TestConfig_EventTimeBounds(t *testing.T) {
	var cf commonFlags
	cfg, err := cf.load()
	if err != nil {
		t.Fatal(err)
	}
	o := cfg.serviceOptions()
	if o.MaxFutureSkew != 5*time.Minute || !o.MinTimestamp.Equal(time.Unix(0, 0)) {
		t.Errorf("defaults: max_future_skew %v, min_timestamp %v; want 5m and the Unix epoch", o.MaxFutureSkew, o.MinTimestamp)
	}
	cf.config = filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(cf.config, []byte("events:\n  max_future_skew: 1h\n  min_timestamp: 2000-01-01T00:00:00Z\n"), 0o644)
	if cfg, err = cf.load(); err != nil {
		t.Fatal(err)
	}
	o = cfg.serviceOptions()
	if o.MaxFutureSkew != time.Hour || !o.MinTimestamp.Equal(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("from the file: max_future_skew %v, min_timestamp %v", o.MaxFutureSkew, o.MinTimestamp)
	}
	t.Setenv("RECD_EVENTS_MIN_TIMESTAMP", "2010-06-01T12:00:00+02:00")
	if cfg, err = cf.load(); err != nil {
		t.Fatal(err)
	}
	if o = cfg.serviceOptions(); !o.MinTimestamp.Equal(time.Date(2010, 6, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("from the environment: min_timestamp %v", o.MinTimestamp)
	}
}
