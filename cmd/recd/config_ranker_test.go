package main

import (
	"errors"
	"testing"
	"time"
)

// TestConfig_RankerRemote checks the remote backend's keys: it needs a model and a valid
// server root, its timeout is bounded, and a valid one wires a client into the options.
func TestConfig_RankerRemote(t *testing.T) {
	for _, tc := range []struct {
		url, model string
		timeout    time.Duration
		field      string // "" when valid
	}{
		{"http://triton:8000", "ranker", 50 * time.Millisecond, ""},
		{"", "ranker", 50 * time.Millisecond, "ranker.remote_url"},
		{"http://triton:8000", "", 50 * time.Millisecond, "ranker.remote_model"},
		{"triton:8000", "ranker", 50 * time.Millisecond, "ranker.remote_url"},
		{"http://triton:8000", "ranker", time.Minute, "ranker.remote_timeout"},
	} {
		cfg := defaultConfig()
		cfg.Ranker.Backend, cfg.Ranker.RemoteURL, cfg.Ranker.RemoteModel = "remote", tc.url, tc.model
		cfg.Ranker.RemoteTimeout = Duration(tc.timeout)
		err := cfg.validate()
		var ce *ConfigError
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%+v: %v", tc, err)
		case tc.field == "" && cfg.rankerOptions().Remote == nil:
			t.Errorf("%+v: no remote ranker wired", tc)
		case tc.field != "" && (!errors.As(err, &ce) || ce.Field != tc.field):
			t.Errorf("%+v: err %v, want one naming %s", tc, err, tc.field)
		}
	}
	if cfg := defaultConfig(); cfg.rankerOptions().Remote != nil || cfg.Ranker.Backend != "local" {
		t.Error("the default backend is not local")
	}
}
