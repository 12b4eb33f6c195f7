package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/recd/recd/internal/racetest"
)

// evalMetrics runs `recd eval` on the bundled MovieLens data (random 80/20 split, seed 42,
// k = 10) with the given environment and returns each model's metrics.
func evalMetrics(t *testing.T, models string, env map[string]string) map[string]map[string]float64 {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	var out, errs bytes.Buffer
	args := []string{"--data", filepath.Join("..", "..", "examples", "ml-latest-small"), "--models", models, "--output", "json"}
	if err := runEval(context.Background(), args, &out, &errs); err != nil {
		t.Fatalf("recd eval %v: %v\n%s", args, err, errs.String())
	}
	var rep struct {
		Models map[string]struct {
			Metrics map[string]float64 `json:"metrics"`
		} `json:"models"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	m := map[string]map[string]float64{}
	for name, x := range rep.Models {
		m[name] = x.Metrics
	}
	return m
}

// TestEvalQuality_ServedPipeline pins what docs/evaluation.md reports for the served
// pipeline on MovieLens: the hybrid's accuracy against item-kNN alone, and the re-ranking
// stages' effect on the hybrid itself (genre intra-list diversity at +10% or more; +20%
// within the NDCG budget is out of reach on this data, see docs/evaluation.md).
func TestEvalQuality_ServedPipeline(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the served pipeline on MovieLens three times")
	}
	if racetest.Enabled {
		t.Skip(racetest.SkipMsg)
	}
	base := evalMetrics(t, "itemknn,hybrid", nil)
	hyb, knn := base["hybrid"], base["itemknn"]
	if hyb["ndcg"] < 0.36 || hyb["ndcg"] < 1.25*knn["ndcg"] {
		t.Errorf("hybrid NDCG@10 %.4f, item-kNN %.4f: want at least 0.36 and 1.25x item-kNN", hyb["ndcg"], knn["ndcg"])
	}
	for _, m := range []string{"ild", "ild_content", "ild_cf", "miscalibration"} {
		if _, ok := hyb[m]; !ok {
			t.Errorf("the hybrid's report has no %s", m)
		}
	}
	div := evalMetrics(t, "hybrid", map[string]string{"RECD_RANK_DIVERSITY": "0.5"})["hybrid"]
	if d := div["ndcg"]/hyb["ndcg"] - 1; d < -0.10 {
		t.Errorf("diversity 0.5 costs %.1f%% NDCG@10, want at most 10%%", -100*d)
	}
	if g := div["ild"]/hyb["ild"] - 1; g < 0.10 {
		t.Errorf("diversity 0.5 raises genre ILD by %.1f%%, want at least 10%%", 100*g)
	}
	cal := evalMetrics(t, "hybrid", map[string]string{"RECD_RANK_CALIBRATION": "0.5"})["hybrid"]
	if c := cal["miscalibration"] / hyb["miscalibration"]; c > 0.5 {
		t.Errorf("calibration 0.5 leaves %.0f%% of the miscalibration, want at most 50%%", 100*c)
	}
	t.Logf("hybrid NDCG@10 %.4f (item-kNN %.4f); diversity 0.5: NDCG %+.1f%%, genre ILD %+.1f%%; calibration 0.5: KL %+.0f%%",
		hyb["ndcg"], knn["ndcg"], 100*(div["ndcg"]/hyb["ndcg"]-1), 100*(div["ild"]/hyb["ild"]-1), 100*(cal["miscalibration"]/hyb["miscalibration"]-1))
}
