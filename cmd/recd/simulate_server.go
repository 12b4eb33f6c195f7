package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"

	"github.com/recd/recd/dataset"
	"github.com/recd/recd/sim"
)

// simServer is the server `recd simulate` starts when given no --server: a recd over a fresh
// data dir holding the split's catalog and training part, trained once, on loopback with
// authentication off and periodic training off (the model must not move under a run).
type simServer struct {
	URL   string
	Flush func(context.Context) error
	stop  func() error
	cfg   Config // the server's configuration
}

// startSimServer imports the split into dataDir ("" for a temporary one, removed by stop),
// trains, and serves it on 127.0.0.1. tweak, when set, changes the configuration first.
func startSimServer(ctx context.Context, split *sim.Split, dataDir string, progress, logw io.Writer, tweak ...func(*Config)) (*simServer, error) {
	cleanup := func() {}
	if dataDir == "" {
		dir, err := os.MkdirTemp("", "recd-simulate-")
		if err != nil {
			return nil, err
		}
		dataDir, cleanup = dir, func() { os.RemoveAll(dir) }
	}
	cfg := defaultConfig()
	cfg.DataDir, cfg.Addr, cfg.Auth.Enabled, cfg.Train.Interval = dataDir, "127.0.0.1:0", false, 0
	cfg.Log.Level = "warn" // the progress bar and the table say what happens
	for _, f := range tweak {
		f(&cfg)
	}
	if err := cfg.validate(); err != nil {
		cleanup()
		return nil, err
	}
	log := newLogger(&cfg, logw)
	svc, st, err := openService(ctx, &cfg, log)
	if err != nil {
		cleanup()
		return nil, err
	}
	closeAll := func() { svc.Close(); st.Close(); cleanup() }
	if svc.Stats().Events == 0 {
		if err := importData(ctx, svc, &dataset.Data{Items: split.Items, Events: split.Train}, progress); err != nil {
			closeAll()
			return nil, fmt.Errorf("import the training part: %w", err)
		}
	}
	if ok, _ := svc.Ready(); !ok {
		fmt.Fprintln(progress, "training on the training part")
		if _, err := svc.Train(ctx); err != nil {
			closeAll()
			return nil, fmt.Errorf("train: %w", err)
		}
	}
	srv, err := newHTTPServer(&cfg, svc, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		closeAll()
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("listen: %w", err)
	}
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	runBackground(bg, &cfg, svc, log)
	go srv.Serve(ln)
	return &simServer{URL: "http://" + ln.Addr().String(), Flush: svc.FlushImpressions, cfg: cfg, stop: func() error {
		defer closeAll()
		return shutdown(srv, svc, cancel, log)
	}}, nil
}
