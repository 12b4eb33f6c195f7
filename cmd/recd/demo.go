package main

import (
	"context"
	"fmt"
	"io"

	"github.com/recd/recd/dataset"
	"github.com/recd/recd/examples"
)

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cf commonFlags
	fs := newFlagSet("demo", stderr, "demo [--addr HOST:PORT] [--data-dir DIR]")
	cf.register(fs, true)
	noProgress := fs.Bool("no-progress", false, "do not draw a progress bar")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := cf.load()
	if err != nil {
		return err
	}
	cfg.Auth.Enabled = false // the demo is a local sandbox
	if err := seedDemo(ctx, cfg, progressWriter(stderr, *noProgress), stderr); err != nil {
		return err
	}
	return serve(ctx, cfg, stderr, func(addr string) {
		base := "http://" + addr
		fmt.Fprintf(stdout, `
recd demo is serving MovieLens latest-small on %[1]s (authentication off). Try:

  curl '%[1]s/v1/users/1/recommendations?n=10'
  curl '%[1]s/v1/items/1/similar?n=10'
  curl '%[1]s/v1/popular?n=10&category=Comedy'
  curl -X POST %[1]s/v1/events -H 'Content-Type: application/json' \
       -d '[{"user_id":"me","item_id":"1214","type":"like"}]'
  curl '%[1]s/v1/users/me/recommendations?n=5'
  curl -X POST %[1]s/v1/query -H 'Content-Type: application/json' \
       -d '{"text":"90s horror but not slasher"}'
  curl '%[1]s/openapi.json'

The search page is at %[1]s/

Press Ctrl-C to stop.
`, base)
	})
}

// seedDemo imports the bundled data into an empty data dir and trains once.
func seedDemo(ctx context.Context, cfg *Config, progress, logw io.Writer) error {
	svc, st, err := openService(ctx, cfg, newLogger(cfg, logw))
	if err != nil {
		return err
	}
	defer st.Close()
	defer svc.Close() // before the store: the index is released first
	if svc.Stats().Items > 0 {
		return nil
	}
	data, err := dataset.ReadMovieLensFS(examples.MovieLensSmall())
	if err != nil {
		return fmt.Errorf("read bundled data: %w", err)
	}
	fmt.Fprintf(logw, "first start: importing the bundled MovieLens latest-small into %s\n", cfg.DataDir)
	if err := importData(ctx, svc, data, progress); err != nil {
		return err
	}
	_, err = svc.Train(ctx)
	return err
}
