package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/recd/recd/service"
	"github.com/schollz/progressbar/v3"
)

// trainBar returns a TrainProgress callback drawing a progress bar of the training steps on w.
func trainBar(w io.Writer) func(step string, done, total int) {
	var bar *progressbar.ProgressBar
	return func(step string, done, total int) {
		if bar == nil {
			bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionShowCount(),
				progressbar.OptionSetElapsedTime(true), progressbar.OptionThrottle(50*time.Millisecond),
				progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }))
		}
		bar.Describe("training: " + step)
		_ = bar.Set(done)
	}
}

func runTrain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cf commonFlags
	fs := newFlagSet("train", stderr, "train [--config FILE] [--data-dir DIR] [--force]")
	cf.register(fs, false)
	noProgress := fs.Bool("no-progress", false, "do not draw a progress bar")
	force := fs.Bool("force", false, "train even when no event or catalog change arrived since the newest version")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := cf.load()
	if err != nil {
		return err
	}
	// The bar shows the steps the log would list; --no-progress logs them instead.
	logw, bar := io.Discard, func(o *service.Options) { o.TrainProgress = trainBar(stderr) }
	if *noProgress {
		logw, bar = stderr, func(*service.Options) {}
	}
	log := newLogger(cfg, logw)
	// The live histories are not loaded: training reads the events itself, and at 100M
	// events the histories of every user took 4.8 GB beside its own copy.
	svc, st, err := openServiceWith(ctx, cfg, log, bar, func(o *service.Options) { o.TrainOnly = true })
	if err != nil {
		return err
	}
	defer st.Close()
	defer svc.Close() // before the store: the index is released first
	// Train writes nothing when the input is unchanged (the answer says skipped and why) and
	// prunes old versions to train.keep_versions after a run that wrote one.
	log.Info("training", "memory_limit", memoryLimit())
	train := svc.Train
	if *force {
		train = svc.TrainForced
	}
	info, err := train(ctx)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(info)
}
