package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recd/recd/internal/racetest"
	"github.com/recd/recd/service"
)

// TestGenerate_ImportTrainServe: 50,000 generated events go through recd import, recd train
// and a recommendation, and on a held-out split the trained models beat popularity by a
// wide margin, so the users' latent tastes are there to be learned.
func TestGenerate_ImportTrainServe(t *testing.T) {
	if testing.Short() {
		t.Skip("imports and trains 50,000 events")
	}
	if racetest.Enabled {
		t.Skip(racetest.SkipMsg)
	}
	ctx := t.Context()
	dir := t.TempDir()
	gen, data := filepath.Join(dir, "gen"), filepath.Join(dir, "data")
	var out, errs bytes.Buffer
	if err := runGenerate(ctx, []string{"--events", "50000", "--seed", "1", "--out", gen, "--no-progress"}, &out, &errs); err != nil {
		t.Fatalf("generate: %v\n%s", err, errs.String())
	}
	if want := "346 users, 1000 items (50 new, without events) and 50000 events"; !strings.Contains(out.String(), want) {
		t.Errorf("generate said %q, want %q", out.String(), want)
	}
	out.Reset()
	if err := runImport(ctx, []string{"--data-dir", data, "--no-progress", "--log-level", "error", gen}, &out, &errs); err != nil {
		t.Fatalf("import: %v\n%s", err, errs.String())
	}
	if want := "imported 1000 items and 50000 events (0 lines rejected)"; !strings.Contains(out.String(), want) {
		t.Errorf("import said %q, want %q", out.String(), want)
	}
	if err := runTrain(ctx, []string{"--data-dir", data, "--no-progress", "--log-level", "error"}, io.Discard, &errs); err != nil {
		t.Fatalf("train: %v\n%s", err, errs.String())
	}
	cfg := defaultConfig()
	cfg.DataDir = data
	cfg.Log.Level = "error"
	svc, st, err := openService(ctx, &cfg, newLogger(&cfg, io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := svc.Recommend(ctx, service.RecommendRequest{UserID: "u1", N: 10})
	svc.Close()
	st.Close()
	if err != nil || len(resp.Items) != 10 || resp.ModelVersion == "" {
		t.Fatalf("recommend u1 = %+v, %v; want 10 items from a trained model", resp, err)
	}

	out.Reset()
	args := []string{"--data", filepath.Join(gen, "events.jsonl"), "--models", "popularity,als,itemknn", "--output", "json"}
	if err := runEval(ctx, args, &out, &errs); err != nil {
		t.Fatalf("eval: %v\n%s", err, errs.String())
	}
	var rep struct {
		Models map[string]struct {
			Metrics map[string]float64 `json:"metrics"`
		} `json:"models"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	pop := rep.Models["popularity"].Metrics["ndcg"]
	for _, m := range []string{"als", "itemknn"} {
		got := rep.Models[m].Metrics["ndcg"]
		t.Logf("NDCG@10 %s %.4f, popularity %.4f", m, got, pop)
		if got < 1.5*pop {
			t.Errorf("%s NDCG@10 %.4f, want at least 1.5x popularity's %.4f", m, got, pop)
		}
	}
	if _, err := os.Stat(filepath.Join(gen, "items.jsonl")); err != nil {
		t.Error(err)
	}
}
