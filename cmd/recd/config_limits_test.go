package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The request bounds of the http and limits sections are validated at load, naming the field.
func TestConfig_RequestBoundsAreValidated(t *testing.T) {
	for _, c := range []struct{ yaml, field string }{
		{"http:\n  request_timeout: 0s\n", "http.request_timeout"},
		{"http:\n  body_timeout: -1s\n", "http.body_timeout"},
		{"http:\n  request_timeout: 55s\n", "http.request_timeout"},
		{"http:\n  max_read_body_bytes: 10\n", "http.max_read_body_bytes"},
		{"http:\n  max_in_flight_per_key: -1\n", "http.max_in_flight_per_key"},
		{"limits:\n  max_filters: 0\n", "limits.max_filters"},
		{"limits:\n  max_categories: 0\n", "limits.max_categories"},
		{"limits:\n  max_boost_factor: 0.5\n", "limits.max_boost_factor"},
	} {
		t.Run(c.yaml, func(t *testing.T) {
			cf := commonFlags{config: filepath.Join(t.TempDir(), "c.yaml")}
			if err := os.WriteFile(cf.config, []byte(c.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := cf.load()
			if err == nil || !strings.Contains(err.Error(), c.field+":") {
				t.Fatalf("err = %v, want one naming %q", err, c.field)
			}
		})
	}
	t.Setenv("RECD_HTTP_REQUEST_TIMEOUT", "2s")
	t.Setenv("RECD_HTTP_MAX_IN_FLIGHT_PER_ADDRESS", "4")
	cfg, err := (&commonFlags{}).load()
	if err != nil {
		t.Fatal(err)
	}
	if time.Duration(cfg.HTTP.RequestTimeout) != 2*time.Second || cfg.HTTP.MaxInFlightPerAddress != 4 {
		t.Errorf("env: request_timeout %v, per address %d; want 2s and 4", cfg.HTTP.RequestTimeout, cfg.HTTP.MaxInFlightPerAddress)
	}
}
