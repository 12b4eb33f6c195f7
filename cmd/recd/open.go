package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/recd/recd/index/hnsw"
	"github.com/recd/recd/service"
	"github.com/recd/recd/store"
	"github.com/recd/recd/store/sqlite"
)

// openStore opens the configured store backend; only the binary chooses backends.
func openStore(cfg *Config) (store.Store, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	o := sqlite.DefaultOptions()
	o.FullSync = cfg.Store.Sync == "full"
	st, err := sqlite.Open(dbPath(cfg), o)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	return st, nil
}

// openService opens the store and the service over it.
func openService(ctx context.Context, cfg *Config, log *slog.Logger) (*service.Service, store.Store, error) {
	st, err := openStore(cfg)
	if err != nil {
		return nil, nil, err
	}
	idx, err := hnsw.Open(cfg.indexDir(), cfg.hnswOptions())
	if err != nil {
		st.Close()
		return nil, nil, fmt.Errorf("open vector index: %w", err)
	}
	o := cfg.serviceOptions()
	o.Logger = log
	o.Index = idx
	svc, err := service.New(ctx, st, o)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return svc, st, nil
}
