package server_test

import (
	"testing"

	"github.com/recd/recd/server"
)

func TestParseAPIKeys(t *testing.T) {
	h := server.HashKey("s")
	keys, err := server.ParseAPIKeys("web:read:" + h + ":50:100, ingest:write:" + h[:7] + h[7:] + ",")
	if err != nil {
		t.Fatal(err)
	}
	want := []server.APIKey{{Name: "web", Role: server.RoleRead, Hash: h, RatePerSec: 50, Burst: 100},
		{Name: "ingest", Role: server.RoleWrite, Hash: h}}
	if len(keys) != len(want) {
		t.Fatalf("got %d keys, want %d", len(keys), len(want))
	}
	for i := range want {
		if keys[i] != want[i] {
			t.Errorf("key %d = %+v, want %+v", i, keys[i], want[i])
		}
	}
	for _, bad := range []string{"web:read", "web:owner:" + h, "web:read:md5:abcd", "web:read:" + h + ":fast", "web:read:" + h + ":1:2:3"} {
		if _, err := server.ParseAPIKeys(bad); err == nil {
			t.Errorf("ParseAPIKeys(%q) accepted", bad)
		}
	}
}
