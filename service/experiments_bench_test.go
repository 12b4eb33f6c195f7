package service

import (
	"testing"
	"time"
)

// BenchmarkExperiments_Current is what the read path pays to learn whether an experiment
// runs: without one, one atomic load; with one, the load and a clock read for its end.
func BenchmarkExperiments_Current(b *testing.B) {
	b.Run("none", func(b *testing.B) {
		p := &experiments{now: time.Now}
		b.ReportAllocs()
		for b.Loop() {
			if p.current() != nil {
				b.Fatal("an experiment runs")
			}
		}
	})
	b.Run("running", func(b *testing.B) {
		p := &experiments{now: time.Now}
		x := runningAB("x")
		p.cur.Store(&running{x: x})
		b.ReportAllocs()
		for b.Loop() {
			if p.current() == nil {
				b.Fatal("no experiment runs")
			}
		}
	})
}
