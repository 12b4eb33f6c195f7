package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/recd/recd/index"
	"github.com/recd/recd/index/hnsw"
	"github.com/recd/recd/index/qdrant"
	"github.com/recd/recd/service"
	"github.com/recd/recd/store"
	"github.com/recd/recd/store/postgres"
	"github.com/recd/recd/store/sqlite"
	"github.com/redis/go-redis/v9"
)

// openStore opens the configured store backend; only the binary chooses backends.
func openStore(cfg *Config) (store.Store, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	if cfg.Store.Driver == "postgres" {
		st, err := postgres.Open(context.Background(), cfg.Store.DSN, postgres.DefaultOptions())
		if err != nil {
			return nil, fmt.Errorf("open postgres store: %w", err)
		}
		return st, nil
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
	return openServiceWith(ctx, cfg, log)
}

// openServiceWith is openService with the service options adjusted by tweak.
func openServiceWith(ctx context.Context, cfg *Config, log *slog.Logger, tweak ...func(*service.Options)) (*service.Service, store.Store, error) {
	st, err := openStore(cfg)
	if err != nil {
		return nil, nil, err
	}
	var idx index.Index
	o := cfg.serviceOptions()
	if cfg.Index.Backend == "qdrant" {
		qo := qdrant.DefaultOptions()
		qo.Addr, qo.APIKey, qo.Collection = cfg.Index.QdrantAddr, cfg.Index.QdrantAPIKey, cfg.Index.QdrantPrefix
		idx, err = qdrant.Open(ctx, qo)
		o.StateDir = "" // Qdrant persists itself
	} else {
		idx, err = hnsw.Open(cfg.indexDir(), cfg.hnswOptions())
	}
	if err != nil {
		st.Close()
		return nil, nil, fmt.Errorf("open vector index: %w", err)
	}
	o.Logger = log
	o.Index = idx
	if cfg.Redis.Addr != "" {
		// One retry at most and short timeouts: a call that fails falls back to in-process
		// state (service.SharedOptions), so waiting long on a dead server buys nothing.
		t := time.Duration(cfg.Redis.Timeout)
		o.Redis = redis.NewClient(&redis.Options{Addr: cfg.Redis.Addr, Password: cfg.Redis.Password, DB: cfg.Redis.DB,
			MaxRetries: 1, DialTimeout: max(t, time.Second), ReadTimeout: t, WriteTimeout: t, ContextTimeoutEnabled: true})
	}
	for _, f := range tweak {
		f(&o)
	}
	svc, err := service.New(ctx, st, o)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return svc, st, nil
}
