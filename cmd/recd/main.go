// Command recd is the recommendation server: serve, demo, import, train and friends.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"syscall"
	"time"
)

const usage = `recd: a recommendation server.

Usage:
  recd <command> [flags]

Commands:
  serve     serve the REST API from a data dir
  demo      import the bundled MovieLens data on first start, train and serve (auth off)
  import    import a data set (movielens, or items and events as JSON lines) into a data dir
  generate  write a synthetic data set (items and events as JSON lines) for recd import
  ingest    stream items with vectors from a JSON-lines file into a data dir or a server
  embed     fill a vector space from an OpenAI-compatible embedding endpoint
  describe  have an OpenAI-compatible chat model write items' descriptions (generated text)
  train     train every model on a data dir and save a new version
  eval      compare models offline on a data set (NDCG, recall, coverage, ...)
  tune      search a model's hyper-parameters on a validation split and write the best config
  simulate  simulate users of the bundled MovieLens data clicking through an A/B, A/A or interleaving experiment
  hash-key  hash an API key for the configuration (--new makes a key)
  healthcheck  exit 0 when a running server answers GET /readyz with 200 (for containers)
  version   print the version and VCS revision (also recd --version)
  help      print this text, or a command's usage: recd help <command>

Run 'recd <command> --help' (or 'recd help <command>') for a command's flags and an example.
Configuration comes from a YAML file (--config or RECD_CONFIG), RECD_* environment variables
and flags, in that order.
`

// version is set at link time (-ldflags "-X main.version=v1.2.3"); "dev" falls back to the
// module version in the build info (see versionString).
var version = "dev"

type command struct {
	run func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() map[string]command {
	return map[string]command{
		"serve":       {runServe},
		"demo":        {runDemo},
		"import":      {runImport},
		"generate":    {runGenerate},
		"ingest":      {runIngest},
		"eval":        {runEval},
		"embed":       {runEmbed},
		"describe":    {runDescribe},
		"train":       {runTrain},
		"hash-key":    {runHashKey},
		"healthcheck": {runHealthcheck},
		"tune":        {runTune},
		"simulate":    {runSimulate},
		"version":     {runVersion},
	}
}

func main() {
	if path := os.Getenv("RECD_CPUPROFILE"); path != "" { // for operators chasing a slow job
		if f, err := os.Create(path); err == nil {
			if err := pprof.StartCPUProfile(f); err == nil {
				defer pprof.StopCPUProfile()
			}
		}
	}
	setMemoryLimit()
	stopMem := func() {}
	if path := os.Getenv("RECD_MEMPROFILE"); path != "" { // the heap at the process's peak
		stopMem = peakHeapProfile(path, 100*time.Millisecond)
	}
	ctx, stop := signalNotify()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	stopMem()
	pprof.StopCPUProfile()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 0:
		fmt.Fprint(stderr, usage)
		return 2
	case isHelp(args[0]) || (args[0] == "help" && len(args) == 1):
		fmt.Fprint(stderr, usage)
		return 0
	case isVersion(args[0]):
		args = []string{"version"}
	case args[0] == "help":
		args = []string{args[1], "--help"} // recd help CMD is recd CMD --help
	}
	cmd, ok := commands()[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "recd: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err := cmd.run(ctx, args[1:], stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "recd %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// commonFlags are the flags every data-dir command takes.
type commonFlags struct {
	config  string
	addr    string
	dataDir string
	logLvl  string
}

func (c *commonFlags) register(fs *flag.FlagSet, withAddr bool) {
	fs.StringVar(&c.config, "config", os.Getenv("RECD_CONFIG"), "YAML configuration file (env RECD_CONFIG)")
	fs.StringVar(&c.dataDir, "data-dir", "", "data directory (config data_dir, env RECD_DATA_DIR; default ./data)")
	fs.StringVar(&c.logLvl, "log-level", "", "debug, info, warn or error (config log.level)")
	if withAddr {
		fs.StringVar(&c.addr, "addr", "", "listen address (config addr, env RECD_ADDR; default 127.0.0.1:8080)")
	}
}

// load builds the configuration: defaults, file, environment, flags; then validates it.
func (c *commonFlags) load() (*Config, error) {
	cfg := defaultConfig()
	if c.config != "" {
		if err := cfg.loadFile(c.config); err != nil {
			return nil, err
		}
	}
	if err := cfg.loadEnv(os.Environ()); err != nil {
		return nil, err
	}
	if c.addr != "" {
		cfg.Addr = c.addr
	}
	if c.dataDir != "" {
		cfg.DataDir = c.dataDir
	}
	if c.logLvl != "" {
		cfg.Log.Level = c.logLvl
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

func newLogger(cfg *Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func dbPath(cfg *Config) string { return filepath.Join(cfg.DataDir, "recd.db") }

// signalNotify returns a context cancelled by SIGINT or SIGTERM.
func signalNotify() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}
