package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/recd/recd/server"
)

func TestHashKey(t *testing.T) {
	var out bytes.Buffer
	if err := hashKeyFrom(strings.NewReader("s3cret\n"), &out); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.TrimSpace(out.String()), server.HashKey("s3cret"); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if err := hashKeyFrom(strings.NewReader("\n"), &out); err == nil {
		t.Error("empty key accepted")
	}
	out.Reset()
	if err := runHashKey(context.Background(), []string{"--new"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	var key, hash string
	for _, l := range strings.Split(out.String(), "\n") {
		if v, ok := strings.CutPrefix(l, "key:  "); ok {
			key = v
		}
		if v, ok := strings.CutPrefix(l, "hash: "); ok {
			hash = v
		}
	}
	if key == "" || hash != server.HashKey(key) {
		t.Errorf("--new printed %q", out.String())
	}
}
