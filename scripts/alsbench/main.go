// Command alsbench is scripts/bench-als.sh's Go half: it reads a generated events file into
// the user-item matrix recd's training builds (the default event weights), writes that matrix
// as raw CSR arrays for the `implicit` library to fit, and times recd's ALS fit on it with
// the default options (no per-iteration loss, as implicit fits without one).
package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/model"
)

func main() {
	events := flag.String("events", "", "events JSON lines (recd generate's events.jsonl)")
	out := flag.String("out", "", "directory for the matrix (indptr.i32, indices.i32, data.f32, shape.txt)")
	runs := flag.Int("runs", 3, "ALS fits to time")
	flag.Parse()
	if err := run(*events, *out, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "alsbench:", err)
		os.Exit(1)
	}
}

func run(events, out string, runs int) error {
	d, err := read(events)
	if err != nil {
		return err
	}
	if err := writeCSR(out, d); err != nil {
		return err
	}
	o := model.DefaultALSOptions()
	fmt.Printf("matrix users=%d items=%d nnz=%d factors=%d iterations=%d lambda=%g alpha=%g cg_steps=%d gomaxprocs=%d\n",
		d.NumUsers(), d.NumItems(), d.NNZ(), o.Factors, o.Iterations, o.Lambda, o.Alpha, o.CGSteps, runtime.GOMAXPROCS(0))
	var secs []float64
	for range runs {
		m := model.NewALS(o)
		start := time.Now()
		if err := m.Fit(context.Background(), d); err != nil {
			return err
		}
		secs = append(secs, time.Since(start).Seconds())
	}
	sort.Float64s(secs)
	fmt.Printf("recd_fit_seconds %v median %.3f\n", secs, secs[len(secs)/2])
	return nil
}

// read streams the events into a dataset, weighted as training weights them by default.
func read(path string) (*model.Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := model.NewBuilder(model.DefaultWeights())
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e recd.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		b.Add(e)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return b.Build(), nil
}

// writeCSR writes the user-by-item matrix as little-endian arrays scipy.sparse.csr_matrix reads.
func writeCSR(dir string, d *model.Dataset) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, data := range map[string]any{"indptr.i32": d.UserPtr, "indices.i32": d.UserItems, "data.f32": d.UserWeights} {
		if err := writeFile(filepath.Join(dir, name), func(w io.Writer) error { return binary.Write(w, binary.LittleEndian, data) }); err != nil {
			return err
		}
	}
	shape := fmt.Sprintf("%d %d %d\n", d.NumUsers(), d.NumItems(), d.NNZ())
	return os.WriteFile(filepath.Join(dir, "shape.txt"), []byte(shape), 0o644)
}

func writeFile(path string, fn func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	if err := fn(w); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
