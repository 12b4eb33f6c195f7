package main

import (
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/recd/recd/service"
)

// BenchmarkServe_ColdRecommend is what one cold request (a user's first, so no cache answers
// it) costs the serving process over a trained data dir, without HTTP and without a load
// generator beside it: the service opened as serve opens it, then one plain request (n=10)
// per op for distinct users in a seeded order, one after another. It reports the process's
// CPU time per op (the collector's included) beside the wall time, so that two binaries can
// be compared back to back with benchstat where the HTTP runs of scripts/bench-serve.sh vary
// more than the difference. Skipped unless RECD_BENCH_DATA_DIR names the data dir; use a
// scratch copy (opening it applies and saves live state). RECD_BENCH_USERS is the range of
// user numbers (default 1..138493, ml20m's), RECD_BENCH_USER_PREFIX their prefix (u):
//
//	cp -r D /tmp/d && RECD_BENCH_DATA_DIR=/tmp/d go test ./cmd/recd -run '^$' \
//	  -bench Serve_ColdRecommend -benchtime 3000x -count 6
func BenchmarkServe_ColdRecommend(b *testing.B) {
	dir := os.Getenv("RECD_BENCH_DATA_DIR")
	if dir == "" {
		b.Skip("RECD_BENCH_DATA_DIR names no trained data dir")
	}
	lo, hi := 1, 138493
	if r := os.Getenv("RECD_BENCH_USERS"); r != "" {
		a, z, ok := strings.Cut(r, "..")
		var err1, err2 error
		lo, err1 = strconv.Atoi(a)
		hi, err2 = strconv.Atoi(z)
		if !ok || err1 != nil || err2 != nil || hi < lo {
			b.Fatalf("RECD_BENCH_USERS %q is not FIRST..LAST", r)
		}
	}
	prefix := "u"
	if p, ok := os.LookupEnv("RECD_BENCH_USER_PREFIX"); ok {
		prefix = p
	}
	cfg := defaultConfig()
	cfg.DataDir = dir
	cfg.Train.Interval = 0
	ctx := b.Context()
	svc, st, err := openService(ctx, &cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	defer svc.Close()
	if ok, why := svc.Ready(); !ok {
		b.Fatalf("not ready: %s", why)
	}
	users := rand.New(rand.NewPCG(1, 2)).Perm(hi - lo + 1)
	if b.N > len(users) {
		b.Fatalf("%d ops, but %d distinct users", b.N, len(users))
	}
	cpu0, k := processCPU(), 0
	b.ResetTimer()
	for b.Loop() {
		req := service.RecommendRequest{UserID: prefix + strconv.Itoa(lo+users[k]), N: 10}
		if _, err := svc.Recommend(ctx, req); err != nil {
			b.Fatal(err)
		}
		k++
	}
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
}

// processCPU is the CPU time the process has used (user and system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
