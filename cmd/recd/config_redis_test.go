package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestConfig_Redis(t *testing.T) {
	t.Run("file and env reach the service options", func(t *testing.T) {
		f := filepath.Join(t.TempDir(), "recd.yaml")
		os.WriteFile(f, []byte("redis:\n  addr: 127.0.0.1:6379\n  precompute_users: 50\n  precompute_n: 20\n"), 0o644)
		t.Setenv("RECD_REDIS_PRECOMPUTE_INTERVAL", "2m")
		t.Setenv("RECD_REDIS_PRECOMPUTE", "false")
		cfg, err := (&commonFlags{config: f}).load()
		if err != nil {
			t.Fatal(err)
		}
		o := cfg.serviceOptions().Shared
		if o.PrecomputeUsers != 50 || o.PrecomputeN != 20 || o.PrecomputeInterval != 2*time.Minute || o.Precompute {
			t.Errorf("shared options %+v", o)
		}
		if o.PrecomputeTTL != 30*time.Minute || o.Timeout != 250*time.Millisecond {
			t.Errorf("unset fields keep their defaults: %+v", o)
		}
	})
	for _, c := range []struct{ yaml, field string }{
		{"redis:\n  precompute_n: 5000\n", "redis.precompute_n"},
		{"redis:\n  precompute_users: 0\n", "redis.precompute_users"},
		{"redis:\n  precompute_interval: 0s\n", "precompute_interval"},
		{"redis:\n  timeout: -1s\n", "timeout"},
	} {
		t.Run(c.field, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "c.yaml")
			os.WriteFile(f, []byte(c.yaml), 0o644)
			_, err := (&commonFlags{config: f}).load()
			if err == nil || !strings.Contains(err.Error(), c.field) {
				t.Fatalf("err = %v, want one naming %q", err, c.field)
			}
		})
	}
}
