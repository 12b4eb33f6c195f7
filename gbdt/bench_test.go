package gbdt

import (
	"context"
	"fmt"
	"slices"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's user and system time so far. On a machine shared with other work
// the wall time of a benchmark includes waiting for a core; the CPU time per operation,
// reported beside it, does not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkTrain1Mx30 trains 100 trees of depth 6 on 1M rows x 30 features (10,000 groups of
// 100 candidates), the size the trainer must handle in under a minute on 2 cores.
func BenchmarkTrain1Mx30(b *testing.B) { benchmarkTrain(b, 10000) }

// BenchmarkTrain100kx30 is BenchmarkTrain1Mx30 on a tenth of the rows, quick enough to profile.
func BenchmarkTrain100kx30(b *testing.B) { benchmarkTrain(b, 1000) }

func benchmarkTrain(b *testing.B, groups int) {
	d := synth(1, groups, 100, 30, 0.5)
	p := DefaultParams()
	p.Trees, p.MaxDepth, p.MaxLeaves, p.EarlyStop = 100, 6, 63, 0
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		if _, err := TrainLambdaMART(context.Background(), d, nil, p, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N)/1e9, "cpu-s/op")
}

// BenchmarkPredict300 scores 300 candidates of 30 features with 300 trees of depth 6, what one
// ranked request costs at serving time, for trees of 31 (the default) and 63 leaves, and with
// 100 trees: the cost is linear in the number of trees. Rows with missing values (5% of the
// values) take the level-by-level walk, dense rows (a ranker's) the eight-row walk.
func BenchmarkPredict300(b *testing.B) {
	train := synth(1, 300, 100, 30, 0.5)
	for _, c := range []struct{ trees, leaves int }{{300, 31}, {300, 63}, {100, 31}} {
		p := DefaultParams()
		p.Trees, p.MaxDepth, p.MaxLeaves, p.EarlyStop, p.MinLeafRows = c.trees, 6, c.leaves, 0, 5
		m, err := TrainLambdaMART(context.Background(), train, nil, p, nil)
		if err != nil {
			b.Fatal(err)
		}
		if m.NumTrees() != c.trees {
			b.Fatalf("%d trees", m.NumTrees())
		}
		X := train.X[:300*30]
		dense := slices.Clone(X) // no missing value: the ranker's rows (predictDense)
		for f, v := range dense {
			if v != v {
				dense[f] = 0
			}
		}
		out := make([]float64, 300)
		for _, rows := range []struct {
			name string
			X    []float32
		}{{"missing", X}, {"dense", dense}} {
			benchPredict(b, fmt.Sprintf("trees=%d/leaves=%d/%s", c.trees, c.leaves, rows.name), m, rows.X, out, c.trees)
		}
	}
}

// benchPredict reports PredictRows over X: CPU time per call and the model's nodes per tree.
func benchPredict(b *testing.B, name string, m *Model, X []float32, out []float64, trees int) {
	b.Run(name, func(b *testing.B) {
		b.ReportAllocs()
		cpu := cpuTime()
		for b.Loop() {
			m.PredictRows(X, out)
		}
		b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
		b.ReportMetric(float64(len(m.nodes))/float64(trees), "nodes/tree")
	})
}
