package server

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseAPIKeys parses keys from one string, as an environment variable carries them:
// comma-separated entries "name:role:sha256:<hex>[:rate_per_sec[:burst]]", for example
// "web:read:sha256:9f86…:50:100,ingest:write:sha256:60303…". The result still goes through
// NewAuth's validation.
func ParseAPIKeys(s string) ([]APIKey, error) {
	var keys []APIKey
	for i, entry := range strings.Split(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		f := strings.Split(entry, ":")
		if len(f) < 4 || len(f) > 6 || f[2] != "sha256" {
			return nil, fmt.Errorf("api key %d: want name:role:sha256:<hex>[:rate[:burst]]", i+1)
		}
		role, err := ParseRole(f[1])
		if err != nil {
			return nil, fmt.Errorf("api key %q: %w", f[0], err)
		}
		k := APIKey{Name: f[0], Role: role, Hash: "sha256:" + f[3]}
		if len(f) > 4 {
			if k.RatePerSec, err = strconv.ParseFloat(f[4], 64); err != nil {
				return nil, fmt.Errorf("api key %q: rate %q is not a number", f[0], f[4])
			}
		}
		if len(f) > 5 {
			if k.Burst, err = strconv.Atoi(f[5]); err != nil {
				return nil, fmt.Errorf("api key %q: burst %q is not an integer", f[0], f[5])
			}
		}
		keys = append(keys, k)
	}
	return keys, nil
}
