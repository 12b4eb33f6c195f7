package service_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recd/recd/service"
)

func TestService_CheckHealth(t *testing.T) {
	ctx := t.Context()
	var down atomic.Bool
	cache := service.Dependency{Name: "cache", Check: func(context.Context) error {
		if down.Load() {
			return errors.New("connection refused")
		}
		return nil
	}}
	stuck := service.Dependency{Name: "stuck", Check: func(ctx context.Context) error {
		<-ctx.Done() // answers only when its deadline passes
		return ctx.Err()
	}}
	dir := t.TempDir()
	s := replica(t, filepath.Join(dir, "db"), dir, cache)

	t.Run("AllUp", func(t *testing.T) {
		rep := s.CheckHealth(ctx, time.Second)
		if rep.Degraded || s.Degraded() {
			t.Errorf("degraded with every dependency up: %+v", rep)
		}
		var names []string
		for _, d := range rep.Dependencies {
			names = append(names, d.Name)
			if !d.Up || d.Error != "" || d.Checked.IsZero() {
				t.Errorf("%s: %+v, want up and checked", d.Name, d)
			}
		}
		if len(names) != 2 || names[0] != "store" || names[1] != "cache" {
			t.Errorf("dependencies = %v, want [store cache]", names)
		}
	})
	t.Run("OneDown", func(t *testing.T) {
		down.Store(true)
		rep := s.CheckHealth(ctx, time.Second)
		if !rep.Degraded || !s.Degraded() {
			t.Fatalf("not degraded with the cache down: %+v", rep)
		}
		for _, d := range rep.Dependencies {
			if d.Name == "cache" && (d.Up || d.Error != "connection refused") {
				t.Errorf("cache = %+v, want down with its error", d)
			}
			if d.Name == "store" && !d.Up {
				t.Errorf("store = %+v, want up", d)
			}
		}
		// Reads still answer from memory.
		if _, err := s.Trending(ctx, 5, nil); err != nil {
			t.Errorf("Trending while degraded: %v", err)
		}
	})
	t.Run("Recovers", func(t *testing.T) {
		down.Store(false)
		if rep := s.CheckHealth(ctx, time.Second); rep.Degraded {
			t.Errorf("still degraded after the cache came back: %+v", rep)
		}
	})
	t.Run("CheckThatHangsIsDown", func(t *testing.T) {
		h := replica(t, filepath.Join(dir, "db"), filepath.Join(dir, "h"), stuck)
		rep := h.CheckHealth(ctx, 20*time.Millisecond)
		if !rep.Degraded {
			t.Errorf("a check past its timeout counts as up: %+v", rep)
		}
	})
}
