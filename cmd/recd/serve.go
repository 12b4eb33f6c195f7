package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
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
	// The contention profiles cost a little on every contended lock and blocking operation,
	// so they are sampled only when asked for.
	runtime.SetMutexProfileFraction(cfg.HTTP.PprofMutexFraction)
	runtime.SetBlockProfileRate(cfg.HTTP.PprofBlockRate)
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
	srv, err := newHTTPServer(cfg, svc, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	bg, cancel := context.WithCancel(ctx)
	defer cancel()
	runBackground(bg, cfg, svc, log)
	stats := svc.Stats()
	log.Info("recd serving", "addr", ln.Addr().String(), "data_dir", cfg.DataDir, "items", stats.Items,
		"users", stats.Users, "events", stats.Events, "train_interval", cfg.Train.Interval.String(),
		"memory_limit", memoryLimit())
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
	return shutdown(srv, svc, cancel, log)
}

// newHTTPServer builds the API handler (metrics registry, authentication, concurrency
// limiter, CORS) and the http.Server around it with the configured timeouts.
func newHTTPServer(cfg *Config, svc *service.Service, log *slog.Logger) (*http.Server, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(svc.Metrics.Collectors()...)
	reg.MustRegister(svc.ReplicaCollector())
	auth, err := newAuth(cfg, log)
	if err != nil {
		return nil, err
	}
	copts := server.DefaultConcurrencyOptions()
	copts.Registry = reg
	limiter, err := server.NewConcurrencyLimiter(copts)
	if err != nil {
		return nil, err
	}
	clients, err := server.NewClientLimiter(cfg.HTTP.MaxInFlightPerKey, cfg.HTTP.MaxInFlightPerAddress, reg)
	if err != nil {
		return nil, err
	}
	var cors gin.HandlerFunc
	if cfg.CORSOrigins != "" {
		if cors, err = server.CORS(server.CORSOptions{AllowedOrigins: strings.Split(cfg.CORSOrigins, ",")}); err != nil {
			return nil, err
		}
	}
	api := server.New(svc, server.Options{MaxBodyBytes: cfg.HTTP.MaxBodyBytes, Logger: log, Registry: reg,
		Auth: auth, Limiter: limiter, CORS: cors, Clients: clients, Limits: cfg.Limits,
		MaxReadBodyBytes: cfg.HTTP.MaxReadBodyBytes, BodyTimeout: time.Duration(cfg.HTTP.BodyTimeout),
		RequestTimeout: time.Duration(cfg.HTTP.RequestTimeout)})
	return &http.Server{
		Handler:           api,
		ReadTimeout:       time.Duration(cfg.HTTP.ReadTimeout),
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      time.Duration(cfg.HTTP.WriteTimeout),
		IdleTimeout:       time.Duration(cfg.HTTP.IdleTimeout),
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}, nil
}

// newAuth returns the API-key authentication the configuration asks for; nil when it is off.
func newAuth(cfg *Config, log *slog.Logger) (*server.Auth, error) {
	if !cfg.Auth.Enabled {
		log.Warn("authentication OFF: any client can read, write and administer")
		return nil, nil
	}
	keys, err := server.ParseAPIKeys(cfg.Auth.Keys)
	if err != nil {
		return nil, fmt.Errorf("auth.keys: %w", err)
	}
	if len(keys) == 0 {
		return nil, errors.New("auth is on but auth.keys is empty: add keys (recd hash-key --new) or set auth.enabled: false")
	}
	auth, err := server.NewAuth(keys, server.AuthOptions{RatePerSec: cfg.Auth.RatePerSec, Burst: cfg.Auth.Burst,
		ProtectOps: cfg.Auth.ProtectOps})
	if err != nil {
		return nil, err
	}
	log.Info("authentication on", "keys", auth.Keys())
	return auth, nil
}

// runBackground starts serve's background loops; they end with bg.
func runBackground(bg context.Context, cfg *Config, svc *service.Service, log *slog.Logger) {
	go svc.RunPeriodicTraining(bg, time.Duration(cfg.Train.Interval))
	go svc.RunPeriodicSave(bg, time.Duration(cfg.Index.SaveInterval))
	go svc.RunPeriodicLiveSave(bg, 0)
	go svc.RunSharedState(bg) // returns at once without Redis
	go svc.RunHealthChecks(bg, cfg.healthOptions())
	go svc.RunFeedback(bg)    // returns at once with impressions off
	go svc.RunExperiments(bg) // rereads the experiment definitions every second
	if cfg.Store.Driver == "postgres" && cfg.Replica.FollowInterval > 0 {
		go svc.RunFollower(bg, cfg.followOptions())
		log.Info("following other replicas", "interval", cfg.Replica.FollowInterval.String(),
			"model_poll", cfg.Replica.PollInterval.String())
	}
}

// shutdown lets requests in flight finish, stops the background loops (cancel) and saves
// the live state's snapshot and the index.
func shutdown(srv *http.Server, svc *service.Service, cancel context.CancelFunc, log *slog.Logger) error {
	log.Info("shutting down: finishing requests in flight")
	sctx, scancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	cancel()
	if err := svc.FlushImpressions(context.Background()); err != nil {
		log.Warn("impressions not recorded at shutdown", "err", err)
	}
	if err := svc.SaveLiveState(context.Background()); err != nil {
		log.Warn("live snapshot not saved at shutdown: the next start scans every event", "err", err)
	}
	if err := svc.SaveIndex(context.Background()); err != nil {
		return fmt.Errorf("save index at shutdown: %w", err)
	}
	return nil
}

var _ server.Backend = (*service.Service)(nil)
