package main

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/recd/recd/dataset/synth"
	"github.com/schollz/progressbar/v3"
)

func runGenerate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("generate", stderr, "generate --preset ml20m|large --out DIR [--seed S] [--events N] [--gzip]")
	preset := fs.String("preset", "ml20m", "shape: ml20m (138k users, 27k items, 20M ratings) or large (1M users, 200k items, 100M events)")
	out := fs.String("out", "", "directory to write items.jsonl and events.jsonl into (required)")
	seed := fs.Uint64("seed", 1, "random seed: the same seed writes the same files")
	events := fs.Int64("events", 0, "scale the preset down (users and items in proportion) to this many events (0: the preset's)")
	gz := fs.Bool("gzip", false, "write items.jsonl.gz and events.jsonl.gz")
	noProgress := fs.Bool("no-progress", false, "do not draw a progress bar")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		fs.Usage()
		return errors.New("--out is required, and no argument is")
	}
	o, err := synth.Preset(*preset)
	if err != nil {
		return err
	}
	if *events < 0 || *events > o.Events {
		return fmt.Errorf("--events must be between 1 and the preset's %d", o.Events)
	}
	if *events > 0 {
		o = o.Scale(*events)
	}
	o.Seed = *seed
	if err := o.Validate(); err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	bar := progressbar.NewOptions64(o.Events, progressbar.OptionSetWriter(progressWriter(stderr, *noProgress)),
		progressbar.OptionSetDescription("generating"), progressbar.OptionShowCount(), progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("events"), progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(progressWriter(stderr, *noProgress)) }))
	start := time.Now()
	var st synth.Stats
	err = writeGenerated(*out, *gz, func(items, evs io.Writer) error {
		var err error
		st, err = synth.Generate(ctx, o, items, evs, func(done int64) { _ = bar.Set64(done) })
		return err
	})
	if err != nil {
		return err
	}
	_ = bar.Finish()
	fmt.Fprintf(stdout, "generated %d users, %d items (%d new, without events) and %d events (preset %s, seed %d) into %s in %s\n",
		st.Users, st.Items, st.NewItems, st.Events, *preset, *seed, *out, time.Since(start).Round(time.Millisecond))
	return nil
}

// writeGenerated creates the two files in dir through temporary names, calls fn with them,
// and renames them into place only when fn and every close succeeded.
func writeGenerated(dir string, gz bool, fn func(items, events io.Writer) error) error {
	ext := ""
	if gz {
		ext = ".gz"
	}
	var files [2]*os.File
	var ws [2]io.Writer
	var zs []*gzip.Writer
	for i, name := range jsonlNames {
		f, err := os.CreateTemp(dir, "."+name+".*")
		if err != nil {
			return err
		}
		defer os.Remove(f.Name()) // a no-op once renamed
		defer f.Close()
		files[i], ws[i] = f, f
		if gz {
			z := gzip.NewWriter(f)
			zs = append(zs, z)
			ws[i] = z
		}
	}
	if err := fn(ws[0], ws[1]); err != nil {
		return err
	}
	for _, z := range zs {
		if err := z.Close(); err != nil {
			return err
		}
	}
	for i, f := range files {
		if err := f.Chmod(0o644); err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		if err := os.Rename(f.Name(), filepath.Join(dir, jsonlNames[i]+ext)); err != nil {
			return err
		}
	}
	return nil
}
