package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/recd/recd/eval"
	"github.com/recd/recd/eval/served"
	"github.com/recd/recd/index"
	"github.com/recd/recd/index/hnsw"
	"github.com/recd/recd/model"
	"github.com/recd/recd/service"
	"github.com/recd/recd/store"
	"github.com/recd/recd/store/sqlite"
)

// runEval implements `recd eval`: eval.RunCLI with the library's models and the served
// pipeline ("hybrid") as configured.
func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if slices.ContainsFunc(args, isHelp) { // usage needs no configuration
		return eval.RunCLI(ctx, args, stdout, stderr, nil)
	}
	opts, err := servedOptions()
	if err != nil {
		return err
	}
	models := eval.DefaultModels()
	models[served.Name] = func() model.Recommender { return served.New(opts, evalBackends, stderr) }
	models[served.RankerName] = func() model.Recommender { return served.NewRanker(opts, evalBackends, stderr) }
	return eval.RunCLI(ctx, args, stdout, stderr, models)
}

// servedOptions are the service options of the served pipeline as configured (RECD_CONFIG,
// RECD_* variables), which `recd eval` and `recd tune` evaluate as the hybrid.
func servedOptions() (service.Options, error) {
	cf := commonFlags{config: os.Getenv("RECD_CONFIG")}
	cfg, err := cf.load()
	if err != nil {
		return service.Options{}, err
	}
	return cfg.serviceOptions(), nil
}

// evalBackends are the backends the evaluated pipeline runs on: the embedded defaults, a
// SQLite file and an in-memory HNSW index.
func evalBackends(dir string) (store.Store, index.Index, error) {
	st, err := sqlite.Open(filepath.Join(dir, "recd.db"), sqlite.DefaultOptions())
	if err != nil {
		return nil, nil, err
	}
	// One worker builds the same graph every run, so the evaluation is repeatable.
	o := hnsw.DefaultOptions()
	o.Workers = 1
	idx, err := hnsw.New(o)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, idx, nil
}
