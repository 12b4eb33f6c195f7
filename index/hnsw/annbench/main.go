// Command annbench benchmarks recd's index/hnsw on a dataset written by the ANN harness
// (../shared/bench/ann/gen_data.py) with the harness' metrics: build time on -threads
// workers, RSS growth, recall@k, single-thread one-at-a-time QPS with p50/p99 latency, and
// batch QPS with 1 and N goroutines. It prints one JSON record per search setting on stdout
// (schema: the harness README) and progress on stderr. Searches go through the
// index.Index interface with string ids, as the server calls it.
//
//	go run ./index/hnsw/annbench -data /path/to/ann/data/gmm64-100k
//	./bench.py data/gmm64-100k --engines hnswlib-native --ext 'recd=cd /work/wt-index && go run ./index/hnsw/annbench -data {data} -k {k} -threads {threads} -repeats {repeats} -budget {budget} -quiet-wait {quiet_wait}'
package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/recd/recd/index"
	"github.com/recd/recd/index/hnsw"
)

// ------------------------------------------------------------------ .fvecs / .ivecs

// readVecs reads a TEXMEX .fvecs/.ivecs file (per vector: int32 dim, then dim
// 32-bit values) as raw 32-bit words.
func readVecs(path string) (words []uint32, n, d int, err error) {
	buf, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, 0, err
	}
	if len(buf) < 4 {
		return nil, 0, 0, fmt.Errorf("%s: empty", path)
	}
	d = int(binary.LittleEndian.Uint32(buf))
	row := 4 * (d + 1)
	if d <= 0 || len(buf)%row != 0 {
		return nil, 0, 0, fmt.Errorf("%s: bad size %d for dim %d", path, len(buf), d)
	}
	n = len(buf) / row
	words = make([]uint32, n*d)
	for i := 0; i < n; i++ {
		r := buf[i*row:]
		if int(binary.LittleEndian.Uint32(r)) != d {
			return nil, 0, 0, fmt.Errorf("%s: row %d has a different dim", path, i)
		}
		for j := 0; j < d; j++ {
			words[i*d+j] = binary.LittleEndian.Uint32(r[4+4*j:])
		}
	}
	return words, n, d, nil
}

func readFvecs(path string) ([]float32, int, int, error) {
	w, n, d, err := readVecs(path)
	if err != nil {
		return nil, 0, 0, err
	}
	f := make([]float32, len(w))
	for i, v := range w {
		f[i] = math.Float32frombits(v)
	}
	return f, n, d, nil
}

func readIvecs(path string) ([]int32, int, int, error) {
	w, n, d, err := readVecs(path)
	if err != nil {
		return nil, 0, 0, err
	}
	out := make([]int32, len(w))
	for i, v := range w {
		out[i] = int32(v)
	}
	return out, n, d, nil
}

// ------------------------------------------------------------------ process probes

func statusMB(field string) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, field+":") {
			kb, _ := strconv.ParseFloat(strings.Fields(line)[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// resetHWM resets the kernel's peak-RSS counter (VmHWM) for this process.
func resetHWM() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// cpuSnap captures machine-wide busy CPU time and this process's CPU time, so
// that load from other processes during a pass can be reported.
type cpuSnap struct {
	busy, own float64 // seconds
	wall      time.Time
}

func snap() cpuSnap {
	s := cpuSnap{wall: time.Now()}
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		f := strings.Fields(strings.SplitN(string(b), "\n", 2)[0])[1:]
		var total, idle float64
		for i, v := range f {
			if i >= 8 {
				break
			}
			x, _ := strconv.ParseFloat(v, 64)
			total += x
			if i == 3 || i == 4 {
				idle += x
			}
		}
		s.busy = (total - idle) / 100 // USER_HZ
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.own = float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
	}
	return s
}

// bgCores is the average number of cores used by other processes between a and b.
func bgCores(a, b cpuSnap) float64 {
	wall := b.wall.Sub(a.wall).Seconds()
	if wall <= 0 {
		return 0
	}
	return math.Max(0, ((b.busy-a.busy)-(b.own-a.own))/wall)
}

// waitLeft caps the total time this process spends in waitQuiet.
var waitLeft float64

// waitQuiet sleeps until other processes use < 0.3 cores, at most maxWait
// seconds and at most what is left of waitLeft.
func waitQuiet(maxWait float64) {
	t0 := time.Now()
	limit := math.Min(maxWait, waitLeft)
	for limit > 0 {
		a := snap()
		time.Sleep(500 * time.Millisecond)
		if bgCores(a, snap()) < 0.3 || time.Since(t0).Seconds() > limit {
			break
		}
	}
	waitLeft -= time.Since(t0).Seconds()
}

const noisy = 0.25 // cores used by other processes above which a pass counts as disturbed

// bestOf runs pass() `repeats` times and calls keep() right after each pass
// that is the fastest so far.  While the fastest pass was disturbed by other
// processes it waits for quiet and runs up to `repeats` more; it stops once
// the passes have used `budget` seconds.  Same rule as bench.py's best_of.
func bestOf(repeats int, budget, quiet float64, pass func() (secs, bg float64), keep func()) (float64, float64) {
	bestT, bestBg, spent := math.Inf(1), 0.0, 0.0
	for attempt := 1; attempt <= 2*repeats; attempt++ {
		if attempt > 1 && bestBg > noisy && quiet > 0 {
			waitQuiet(quiet / 2)
		}
		t, bg := pass()
		spent += t
		if t < bestT {
			bestT, bestBg = t, bg
			keep()
		}
		if spent > budget || (attempt >= repeats && (bestBg <= noisy || attempt >= 2*repeats)) {
			break
		}
	}
	return bestT, bestBg
}

// ------------------------------------------------------------------ output

type record struct {
	Engine       string   `json:"engine"`
	Index        string   `json:"index"`
	Version      string   `json:"version"`
	Dataset      string   `json:"dataset"`
	N            int      `json:"n"`
	Dim          int      `json:"dim"`
	Nq           int      `json:"nq"`
	K            int      `json:"k"`
	BuildS       float64  `json:"build_s"`
	BuildThreads int      `json:"build_threads"`
	BuildBg      float64  `json:"build_bg"`
	MemMB        float64  `json:"mem_mb"`
	PeakMB       *float64 `json:"peak_mb"`
	Threads      int      `json:"threads"`
	Param        string   `json:"param"`
	Recall       float64  `json:"recall"`
	QPS1         float64  `json:"qps1"`
	CPUQPS1      float64  `json:"cpu_qps1"`
	P50us        float64  `json:"p50_us"`
	P99us        float64  `json:"p99_us"`
	QPSb1        float64  `json:"qps_b1"`
	QPSbt        float64  `json:"qps_bt"`
	Bg           float64  `json:"bg_cores"`
	BgBt         float64  `json:"bg_bt"`
	Note         string   `json:"note,omitempty"`
}

func round(v float64, nd int) float64 {
	p := math.Pow(10, float64(nd))
	return math.Round(v*p) / p
}

var logf = func(f string, a ...any) { fmt.Fprintf(os.Stderr, "[recd-hnsw] "+f+"\n", a...) }

func die(err error) {
	logf("error: %v", err)
	os.Exit(1)
}

// ------------------------------------------------------------------ benchmark

type bench struct {
	ix      *hnsw.Index
	ef      int
	queries []float32
	gt      []int32
	gk      int // columns in gt
	nq, d   int
	k       int
}

func (b *bench) query(i int) []float32 { return b.queries[i*b.d : (i+1)*b.d] }

// search runs query i and writes the ids of the k best results into out.
func (b *bench) search(i int, out []int32) {
	hits, err := b.ix.Search(context.Background(), index.SearchRequest{Space: "v", Vector: b.query(i), K: b.k, Ef: b.ef})
	if err != nil {
		die(err)
	}
	for j := range out {
		out[j] = -1
		if j < len(hits) {
			v, _ := strconv.Atoi(hits[j].ID)
			out[j] = int32(v)
		}
	}
}

// oneAtATime runs every query in turn on one goroutine (GOMAXPROCS=1) and
// returns total wall seconds, own CPU seconds, per-query latencies, result ids
// and the background load during the pass.
func (b *bench) oneAtATime() (float64, float64, []time.Duration, []int32, float64) {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	lat := make([]time.Duration, b.nq)
	ids := make([]int32, b.nq*b.k)
	a := snap()
	for i := 0; i < b.nq; i++ {
		t := time.Now()
		b.search(i, ids[i*b.k:(i+1)*b.k])
		lat[i] = time.Since(t)
	}
	z := snap()
	return z.wall.Sub(a.wall).Seconds(), z.own - a.own, lat, ids, bgCores(a, z)
}

// batch splits the queries over nt goroutines (GOMAXPROCS=nt) and returns wall
// seconds and the background load.
func (b *bench) batch(nt int) (float64, float64) {
	prev := runtime.GOMAXPROCS(nt)
	defer runtime.GOMAXPROCS(prev)
	out := make([]int32, b.nq*b.k)
	chunk := (b.nq + nt - 1) / nt
	a := snap()
	var wg sync.WaitGroup
	for w := 0; w < nt; w++ {
		lo, hi := w*chunk, min((w+1)*chunk, b.nq)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				b.search(i, out[i*b.k:(i+1)*b.k])
			}
		}()
	}
	wg.Wait()
	z := snap()
	return z.wall.Sub(a.wall).Seconds(), bgCores(a, z)
}

func (b *bench) recall(ids []int32) float64 {
	hits := 0
	for i := 0; i < b.nq; i++ {
		want := map[int32]bool{}
		for _, id := range b.gt[i*b.gk : i*b.gk+b.k] {
			want[id] = true
		}
		for _, id := range ids[i*b.k : (i+1)*b.k] {
			if id >= 0 && want[id] {
				hits++
			}
		}
	}
	return float64(hits) / float64(b.nq*b.k)
}

// checkData brute-forces the first queries and compares with gt.ivecs.
func checkData(base, queries []float32, gt []int32, gk, n, d, k int) float64 {
	check, hits := min(20, len(queries)/d), 0
	for i := 0; i < check; i++ {
		qv := queries[i*d : (i+1)*d]
		scores := make([]float32, n)
		idx := make([]int32, n)
		for j := 0; j < n; j++ {
			scores[j], idx[j] = index.DotProduct(qv, base[j*d:(j+1)*d]), int32(j)
		}
		sort.Slice(idx, func(a, b int) bool { return scores[idx[a]] > scores[idx[b]] })
		want := map[int32]bool{}
		for _, id := range gt[i*gk : i*gk+k] {
			want[id] = true
		}
		for _, id := range idx[:k] {
			if want[id] {
				hits++
			}
		}
	}
	return float64(hits) / float64(check*k)
}

func main() {
	var (
		dataDir = flag.String("data", "../data/gmm64-100k", "dataset dir from gen_data.py")
		k       = flag.Int("k", 10, "neighbours per query")
		m       = flag.Int("m", 16, "M (links per node on upper layers; 2M on layer 0)")
		efc     = flag.Int("efc", 200, "ef while building")
		efsArg  = flag.String("efs", "16,32,64,96,128,256", "comma list of search ef")
		metric  = flag.String("metric", "cosine", "space metric: cosine, dot or l2")
		threads = flag.Int("threads", 2, "workers for the build and goroutines for the batch pass")
		batchSz = flag.Int("batch", 10000, "points per Upsert call while building")
		repeats = flag.Int("repeats", 3, "timed passes per setting (best kept)")
		budget  = flag.Float64("budget", 20, "stop repeating a setting after this many seconds")
		quiet   = flag.Float64("quiet-wait", 60, "wait up to this many s for other processes to go idle before each setting (0 = off)")
		seed    = flag.Uint64("seed", 42, "level RNG seed")
		saveDir = flag.String("save", "", "if set, save the index there after the build and report save/load times on stderr")
	)
	flag.Parse()

	var meta struct {
		Name string `json:"name"`
	}
	if raw, err := os.ReadFile(filepath.Join(*dataDir, "meta.json")); err != nil {
		die(err)
	} else if err := json.Unmarshal(raw, &meta); err != nil {
		die(err)
	}
	base, n, d, err := readFvecs(filepath.Join(*dataDir, "base.fvecs"))
	if err != nil {
		die(err)
	}
	queries, nq, qd, err := readFvecs(filepath.Join(*dataDir, "query.fvecs"))
	if err != nil {
		die(err)
	}
	gt, gn, gk, err := readIvecs(filepath.Join(*dataDir, "gt.ivecs"))
	if err != nil {
		die(err)
	}
	if qd != d || gn != nq || gk < *k {
		die(fmt.Errorf("inconsistent dataset: dim %d/%d, gt %dx%d for %d queries", d, qd, gn, gk, nq))
	}
	var efs []int
	for _, s := range strings.Split(*efsArg, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			die(err)
		}
		efs = append(efs, v)
	}
	logf("data check: brute-force recall@%d vs gt.ivecs on the first queries = %.4f",
		*k, checkData(base, queries, gt, gk, n, d, *k))
	ids := make([]string, n)
	for i := range ids {
		ids[i] = strconv.Itoa(i)
	}

	// ---------------------------------------------------------------- build
	waitLeft = 10**quiet + 60
	if *quiet > 0 {
		waitQuiet(*quiet)
	}
	runtime.GC()
	debug.FreeOSMemory()
	rss0 := statusMB("VmRSS")
	hwmOK := resetHWM()
	s0 := snap()
	opts := hnsw.DefaultOptions()
	opts.M, opts.EfConstruction, opts.Seed, opts.Workers = *m, *efc, *seed, *threads
	var ix *hnsw.Index
	if *saveDir != "" {
		ix, err = hnsw.Open(*saveDir, opts)
	} else {
		ix, err = hnsw.New(opts)
	}
	if err != nil {
		die(err)
	}
	ctx := context.Background()
	if err := ix.CreateSpace(ctx, index.SpaceConfig{Name: "v", Dim: d, Metric: index.Metric(*metric)}); err != nil {
		die(err)
	}
	t0 := time.Now()
	step := max(1, n/10)
	next := step
	// The points and their maps are reused across batches (Upsert copies what it keeps), so
	// the build's garbage is the index's own.
	pts := make([]index.Point, *batchSz)
	for i := range pts {
		pts[i] = index.Point{Vectors: map[string][]float32{}, Payload: index.Payload{Available: true}}
	}
	for lo := 0; lo < n; lo += *batchSz {
		hi := min(n, lo+*batchSz)
		pts := pts[:hi-lo]
		for i := lo; i < hi; i++ {
			pts[i-lo].ID = ids[i]
			pts[i-lo].Vectors["v"] = base[i*d : (i+1)*d]
		}
		if err := ix.Upsert(ctx, pts); err != nil {
			die(err)
		}
		if hi >= next {
			el := time.Since(t0).Seconds()
			logf("build %d/%d  %.0fs  (%.0f vec/s)", hi, n, el, float64(hi)/el)
			next += step
		}
	}
	buildS := time.Since(t0).Seconds()
	buildBg := bgCores(s0, snap())
	ids = nil
	runtime.GC()
	debug.FreeOSMemory()
	mem := statusMB("VmRSS") - rss0
	var peak *float64
	if hwmOK {
		p := round(statusMB("VmHWM")-rss0, 1)
		peak = &p
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	logf("built in %.1fs, +%.0f MB RSS (Go heap in use %.0f MB)", buildS, mem, float64(ms.HeapInuse)/(1<<20))
	if *saveDir != "" {
		t := time.Now()
		if err := ix.Save(1); err != nil {
			die(err)
		}
		logf("saved in %.2fs", time.Since(t).Seconds())
		t = time.Now()
		if _, err := hnsw.Open(*saveDir, opts); err != nil {
			die(err)
		}
		logf("loaded in %.2fs", time.Since(t).Seconds())
		runtime.GC()
	}

	common := record{
		Engine: "recd-hnsw", Index: fmt.Sprintf("recd index/hnsw M=%d efC=%d (%s)", *m, *efc, *metric),
		Version: "dev", Dataset: meta.Name, N: n, Dim: d, Nq: nq, K: *k,
		BuildS: round(buildS, 2), BuildThreads: *threads, BuildBg: round(buildBg, 2), MemMB: round(mem, 1), PeakMB: peak,
		Threads: *threads,
		Note: "Go with a batched AVX2/FMA distance kernel that prefetches (no cgo), vectors and level-0 links in mmap arenas " +
			"outside the Go heap; searched through index.Index with string ids; " +
			"level 0 keeps 2M links; GOMAXPROCS=1 for the 1t passes",
	}

	// ---------------------------------------------------------------- search
	b := &bench{ix: ix, queries: queries, gt: gt, gk: gk, nq: nq, d: d, k: *k}
	enc := json.NewEncoder(os.Stdout)
	for _, ef := range efs {
		b.ef = ef
		if *quiet > 0 {
			waitQuiet(*quiet)
		}
		var (
			tot, cpu, bg float64
			lat          []time.Duration
			rids         []int32
			bestCPU      float64
			bestLat      []time.Duration
			bestIDs      []int32
		)
		bestT, bestB := bestOf(*repeats, *budget, *quiet, func() (float64, float64) {
			tot, cpu, lat, rids, bg = b.oneAtATime()
			return tot, bg
		}, func() { bestCPU, bestLat, bestIDs = cpu, lat, rids })
		sort.Slice(bestLat, func(x, y int) bool { return bestLat[x] < bestLat[y] })
		pct := func(p float64) float64 {
			i := max(0, int(math.Ceil(p/100*float64(nq)))-1)
			return float64(bestLat[i].Nanoseconds()) / 1e3
		}
		qb, bgb := map[int]float64{}, map[int]float64{}
		for _, nt := range []int{1, *threads} {
			if _, done := qb[nt]; done {
				continue
			}
			t, bg := bestOf(*repeats, *budget, *quiet, func() (float64, float64) { return b.batch(nt) }, func() {})
			qb[nt], bgb[nt] = float64(nq)/t, bg
		}
		rec := common
		rec.Param = fmt.Sprintf("ef=%d", ef)
		rec.Recall = round(b.recall(bestIDs), 4)
		rec.QPS1 = round(float64(nq)/bestT, 1)
		if bestCPU > 0 {
			rec.CPUQPS1 = round(float64(nq)/bestCPU, 1)
		}
		rec.P50us, rec.P99us = round(pct(50), 1), round(pct(99), 1)
		rec.QPSb1, rec.QPSbt = round(qb[1], 1), round(qb[*threads], 1)
		rec.Bg, rec.BgBt = round(math.Max(bestB, bgb[1]), 2), round(bgb[*threads], 2)
		logf("%s recall@%d=%.4f qps1=%.0f p50=%.0fus p99=%.0fus batch1=%.0f batch%d=%.0f bg=%.2f/%.2f",
			rec.Param, *k, rec.Recall, rec.QPS1, rec.P50us, rec.P99us, rec.QPSb1, *threads, rec.QPSbt, rec.Bg, rec.BgBt)
		if err := enc.Encode(rec); err != nil {
			die(err)
		}
	}
}
