package service_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
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

func TestService_ReplicaCollector(t *testing.T) {
	var down atomic.Bool
	dep := service.Dependency{Name: "cache", Check: func(context.Context) error {
		if down.Load() {
			return errors.New("refused")
		}
		return nil
	}}
	dir := t.TempDir()
	s := replica(t, filepath.Join(dir, "db"), dir, dep)
	reg := prometheus.NewRegistry()
	reg.MustRegister(s.ReplicaCollector())
	value := func(name, label string) float64 {
		t.Helper()
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() != name {
				continue
			}
			for _, m := range mf.GetMetric() {
				if label == "" || (len(m.GetLabel()) > 0 && m.GetLabel()[0].GetValue() == label) {
					if m.GetGauge() != nil {
						return m.GetGauge().GetValue()
					}
					return m.GetCounter().GetValue()
				}
			}
		}
		t.Fatalf("no %s{%s}", name, label)
		return 0
	}
	down.Store(true)
	s.CheckHealth(t.Context(), time.Second)
	if value("recd_dependency_up", "cache") != 0 || value("recd_dependency_up", "store") != 1 || value("recd_degraded", "") != 1 {
		t.Error("with the cache down: want recd_dependency_up{cache} 0, {store} 1, recd_degraded 1")
	}
	down.Store(false)
	s.CheckHealth(t.Context(), time.Second)
	if value("recd_dependency_up", "cache") != 1 || value("recd_degraded", "") != 0 {
		t.Error("after recovery: want recd_dependency_up{cache} 1, recd_degraded 0")
	}
	if value("recd_follow_applied_total", "events") != 0 || value("recd_follow_last_sync_timestamp_seconds", "") != 0 {
		t.Error("before any pass the follower counters are not zero")
	}
	if err := s.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	if value("recd_follow_last_sync_timestamp_seconds", "") == 0 {
		t.Error("the last-sync time is still zero after a pass")
	}
}
