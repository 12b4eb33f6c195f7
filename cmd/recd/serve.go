package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/recd/recd/server"
	"github.com/recd/recd/service"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cf commonFlags
	fs := newFlagSet("serve", stderr, "serve [--config FILE] [--addr HOST:PORT] [--data-dir DIR]")
	cf.register(fs, true)
	authFlag := fs.String("auth", "", "on or off: require API keys (config auth.enabled, env RECD_AUTH_ENABLED; default on)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := cf.load()
	if err != nil {
		return err
	}
	switch *authFlag {
	case "":
	case "on":
		cfg.Auth.Enabled = true
	case "off":
		cfg.Auth.Enabled = false
	default:
		return fmt.Errorf("--auth must be on or off, not %q", *authFlag)
	}
	return serve(ctx, cfg, stderr, nil)
}

// serve runs the API until ctx ends, then shuts down gracefully: it stops accepting, lets
// requests in flight finish, and closes the store. ready, if not nil, is called with the
// listening address once the server accepts connections.
func serve(ctx context.Context, cfg *Config, logw io.Writer, ready func(addr string)) error {
	log := newLogger(cfg, logw)
	svc, st, err := openService(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	defer svc.Close() // before the store: the index is released first
	if ok, _ := svc.Ready(); !ok && svc.Stats().Events > 0 {
		log.Info("no saved model: training before serving")
		if _, err := svc.Train(ctx); err != nil {
			return fmt.Errorf("initial training: %w", err)
		}
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(svc.Metrics.Collectors()...)
	reg.MustRegister(svc.ReplicaCollector())
	var auth *server.Auth
	if cfg.Auth.Enabled {
		keys, err := server.ParseAPIKeys(cfg.Auth.Keys)
		if err != nil {
			return fmt.Errorf("auth.keys: %w", err)
		}
		if len(keys) == 0 {
			return errors.New("auth is on but auth.keys is empty: add keys (recd hash-key --new) or set auth.enabled: false")
		}
		if auth, err = server.NewAuth(keys, server.AuthOptions{RatePerSec: cfg.Auth.RatePerSec, Burst: cfg.Auth.Burst,
			ProtectOps: cfg.Auth.ProtectOps}); err != nil {
			return err
		}
		log.Info("authentication on", "keys", auth.Keys())
	} else {
		log.Warn("authentication OFF: any client can read, write and administer")
	}
	copts := server.DefaultConcurrencyOptions()
	copts.Registry = reg
	limiter, err := server.NewConcurrencyLimiter(copts)
	if err != nil {
		return err
	}
	clients, err := server.NewClientLimiter(cfg.HTTP.MaxInFlightPerKey, cfg.HTTP.MaxInFlightPerAddress, reg)
	if err != nil {
		return err
	}
	var cors gin.HandlerFunc
	if cfg.CORSOrigins != "" {
		if cors, err = server.CORS(server.CORSOptions{AllowedOrigins: strings.Split(cfg.CORSOrigins, ",")}); err != nil {
			return err
		}
	}
	api := server.New(svc, server.Options{MaxBodyBytes: cfg.HTTP.MaxBodyBytes, Logger: log, Registry: reg,
		Auth: auth, Limiter: limiter, CORS: cors, Clients: clients, Limits: cfg.Limits,
		MaxReadBodyBytes: cfg.HTTP.MaxReadBodyBytes, BodyTimeout: time.Duration(cfg.HTTP.BodyTimeout),
		RequestTimeout: time.Duration(cfg.HTTP.RequestTimeout)})
	srv := &http.Server{
		Handler:           api,
		ReadTimeout:       time.Duration(cfg.HTTP.ReadTimeout),
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      time.Duration(cfg.HTTP.WriteTimeout),
		IdleTimeout:       time.Duration(cfg.HTTP.IdleTimeout),
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	bg, cancel := context.WithCancel(ctx)
	defer cancel()
	go svc.RunPeriodicTraining(bg, time.Duration(cfg.Train.Interval))
	go svc.RunPeriodicSave(bg, time.Duration(cfg.Index.SaveInterval))
	go svc.RunSharedState(bg) // returns at once without Redis
	go svc.RunHealthChecks(bg, service.HealthOptions{Interval: time.Duration(cfg.Health.Interval),
		Timeout: time.Duration(cfg.Health.Timeout)})
	if cfg.Store.Driver == "postgres" && cfg.Replica.FollowInterval > 0 {
		go svc.RunFollower(bg, service.FollowOptions{Interval: time.Duration(cfg.Replica.FollowInterval),
			ModelInterval: time.Duration(cfg.Replica.PollInterval), SharedIndex: cfg.Index.Backend == "qdrant"})
		log.Info("following other replicas", "interval", cfg.Replica.FollowInterval.String(),
			"model_poll", cfg.Replica.PollInterval.String())
	}
	stats := svc.Stats()
	log.Info("recd serving", "addr", ln.Addr().String(), "data_dir", cfg.DataDir, "items", stats.Items,
		"users", stats.Users, "events", stats.Events, "train_interval", cfg.Train.Interval.String())
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	sctx, scancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	cancel()
	if err := svc.SaveIndex(context.Background()); err != nil {
		return fmt.Errorf("save index at shutdown: %w", err)
	}
	return nil
}

var _ server.Backend = (*service.Service)(nil)
