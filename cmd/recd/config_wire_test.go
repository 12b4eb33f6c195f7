package main

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/recd/recd/service"
)

// The default configuration gives the service its own defaults: moving a setting into the
// configuration changed no default.
func TestConfig_DefaultsAreTheLibraries(t *testing.T) {
	cfg := defaultConfig()
	got, want := cfg.serviceOptions(), service.DefaultOptions()
	for name, pair := range map[string][2]any{
		"KNN": {got.KNN, want.KNN}, "ALS": {got.ALS, want.ALS}, "EASE": {got.EASE, want.EASE},
		"TFIDF": {got.TFIDF, want.TFIDF}, "LSA": {got.LSA, want.LSA}, "ProjectionL2": {got.ProjectionL2, want.ProjectionL2},
		"HeadShare": {got.HeadShare, want.HeadShare}, "Rank": {got.Rank, want.Rank}, "Sessions": {got.Sessions, want.Sessions},
		"Exposure": {got.Exposure, want.Exposure}, "Sources": {got.Sources, want.Sources}, "Shared": {got.Shared, want.Shared},
		"Limits": {got.Limits, want.Limits}, "CacheSize": {got.CacheSize, want.CacheSize}, "CacheTTL": {got.CacheTTL, want.CacheTTL},
		"TrendingHalfLife": {got.TrendingHalfLife, want.TrendingHalfLife}, "Weights": {got.Weights, want.Weights},
		"KeepVersions": {got.KeepVersions, want.KeepVersions}, "Feedback": {got.Feedback, want.Feedback},
	} {
		if !reflect.DeepEqual(pair[0], pair[1]) {
			t.Errorf("%s: configuration default %+v, service default %+v", name, pair[0], pair[1])
		}
	}
	if got, want := cfg.followOptions(), service.DefaultFollowOptions(); got != want {
		t.Errorf("follow options %+v, want %+v", got, want)
	}
	if got, want := cfg.healthOptions(), service.DefaultHealthOptions(); got != want {
		t.Errorf("health options %+v, want %+v", got, want)
	}
}

// The sections the configuration gained reach the options of the service.
func TestConfig_NewSectionsReachTheService(t *testing.T) {
	f := filepath.Join(t.TempDir(), "recd.yaml")
	os.WriteFile(f, []byte(`train:
  head_share: 0.1
  keep_versions: 5
  ease: {lambda: 500, min_count: 2, max_items: 0, solver: users}
  tfidf: {category_weight: 5, year_tokens: true}
  lsa: {oversample: 4, power_iters: 1, seed: 9}
  projection_l2: 3
sessions: {max_keys: 10, max_actions: 7, ttl: 0}
exposure: {half_life: 2h, max_items: 99}
sources: {size: 0, max_age: 1m, max_new_items: 2, max_bytes: 1000000}
redis: {flush_interval: 1s}
replica: {grace: 30s}
feedback: {impressions: false, flush_interval: 1s, batch_size: 7, queue_size: 9, retention: 48h, attribution_window: 5m, attribution_types: "click, purchase", attribution_lists: 7, click_types: "click,like", conversion_types: add_to_cart}
llm: {base_url: "http://127.0.0.1:1/v1", model: m, mode: json_schema, max_tokens: 64}
`), 0o644)
	cfg, err := (&commonFlags{config: f}).load()
	if err != nil {
		t.Fatal(err)
	}
	o := cfg.serviceOptions()
	if o.KeepVersions != 5 {
		t.Errorf("train.keep_versions: KeepVersions %d, want 5", o.KeepVersions)
	}
	if o.HeadShare != 0.1 || o.EASE.Lambda != 500 || o.EASE.MinCount != 2 || o.EASE.MaxItems != 0 || o.EASE.Solver != "users" {
		t.Errorf("train: head share %v, EASE %+v", o.HeadShare, o.EASE)
	}
	if o.TFIDF.CategoryWeight != 5 || !o.TFIDF.YearTokens || o.TFIDF.TagWeight != 2 {
		t.Errorf("train.tfidf: %+v", o.TFIDF)
	}
	if o.LSA.Oversample != 4 || o.LSA.PowerIters != 1 || o.LSA.Seed != 9 || o.LSA.Dim != 128 || o.ProjectionL2 != 3 {
		t.Errorf("train.lsa: %+v, projection_l2 %v", o.LSA, o.ProjectionL2)
	}
	if o.Sessions.MaxKeys != 10 || o.Sessions.MaxActions != 7 || o.Sessions.TTL != 0 {
		t.Errorf("sessions: %+v", o.Sessions)
	}
	if o.Exposure.HalfLife != 2*time.Hour || o.Exposure.MaxItems != 99 {
		t.Errorf("exposure: %+v", o.Exposure)
	}
	if o.Sources.Size != 0 || o.Sources.MaxAge != time.Minute || o.Sources.MaxNewItems != 2 || o.Sources.MaxBytes != 1000000 {
		t.Errorf("sources: %+v", o.Sources)
	}
	if o.Shared.FlushInterval != time.Second || cfg.followOptions().Grace != 30*time.Second {
		t.Errorf("redis.flush_interval %v, replica.grace %v", o.Shared.FlushInterval, cfg.followOptions().Grace)
	}
	want := service.FeedbackOptions{Impressions: false, FlushInterval: time.Second, BatchSize: 7, QueueSize: 9,
		Retention: 48 * time.Hour, AttributionWindow: 5 * time.Minute, AttributionTypes: []string{"click", "purchase"},
		AttributionLists: 7, ClickTypes: []string{"click", "like"}, ConversionTypes: []string{"add_to_cart"}}
	if !reflect.DeepEqual(o.Feedback, want) {
		t.Errorf("feedback: %+v, want %+v", o.Feedback, want)
	}
	if o.LLM.Mode != "json_schema" || o.LLM.MaxTokens != 64 {
		t.Errorf("llm: %+v", o.LLM)
	}
}

// An event type cannot count as both a click and a conversion in the online metrics.
func TestConfig_ClickAndConversionTypesAreDisjoint(t *testing.T) {
	cfg := defaultConfig()
	if err := cfg.loadEnv([]string{"RECD_FEEDBACK_CLICK_TYPES=click,purchase"}); err != nil {
		t.Fatal(err)
	}
	var ce *ConfigError
	if err := cfg.validate(); !errors.As(err, &ce) || ce.Field != "feedback.conversion_types" {
		t.Fatalf("validate = %v, want a ConfigError naming feedback.conversion_types", err)
	}
	cfg = defaultConfig()
	if err := cfg.loadEnv([]string{"RECD_FEEDBACK_CLICK_TYPES=click,like", "RECD_FEEDBACK_CONVERSION_TYPES=purchase,add_to_cart"}); err != nil {
		t.Fatal(err)
	}
	if err := cfg.validate(); err != nil {
		t.Fatalf("validate = %v", err)
	}
	if o := cfg.serviceOptions().Feedback; !reflect.DeepEqual(o.ClickTypes, []string{"click", "like"}) ||
		!reflect.DeepEqual(o.ConversionTypes, []string{"purchase", "add_to_cart"}) {
		t.Errorf("feedback options %+v", o)
	}
}
