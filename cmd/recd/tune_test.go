package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/recd/recd/eval"
)

// writeTuneCSV writes a clustered user,item CSV of a few hundred users.
func writeTuneCSV(t *testing.T) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(3, 4))
	var b strings.Builder
	b.WriteString("user,item\n")
	for u := 0; u < 240; u++ {
		seen := map[int]bool{}
		for n := 10 + rng.IntN(20); len(seen) < n; {
			it := (u%4)*30 + rng.IntN(30)
			if rng.Float64() < 0.2 {
				it = rng.IntN(120)
			}
			if !seen[it] {
				seen[it] = true
				fmt.Fprintf(&b, "u%d,i%d\n", u, it)
			}
		}
	}
	path := filepath.Join(t.TempDir(), "events.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestTunedConfigYAML_LoadsInRecdConfig(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, name := range eval.SpaceNames() {
		t.Run(name, func(t *testing.T) {
			space, err := eval.SearchSpace(name)
			if err != nil {
				t.Fatal(err)
			}
			p := space.Sample(rng)
			h := &eval.Holdout{TuneResult: &eval.TuneResult{Model: name, Best: eval.Trial{ID: 3, Params: p, NDCG: 0.3},
				Default: eval.Trial{Params: space.Default, NDCG: 0.2}}, BestTest: 0.31, DefaultTest: 0.29}
			path := filepath.Join(t.TempDir(), "tuned.yaml")
			if err := writeTunedConfig(path, space, h, "a test"); err != nil {
				t.Fatal(err)
			}
			text, _ := os.ReadFile(path)
			cfg := defaultConfig()
			if err := cfg.loadFile(path); err != nil {
				t.Fatalf("loadFile: %v\n%s", err, text)
			}
			if err := cfg.validate(); err != nil {
				t.Fatalf("validate: %v", err)
			}
			if !strings.Contains(string(text), "serve reads only the keys it knows") {
				t.Errorf("header does not say serve reads only known keys:\n%s", text)
			}
			for _, q := range space.Params {
				if !strings.Contains(string(text), q.Name+": ") {
					t.Errorf("no %s in\n%s", q.Name, text)
				}
			}
			switch space.Section {
			case "als":
				a := cfg.Train.ALS
				got := eval.Params{"factors": float64(a.Factors), "iterations": float64(a.Iterations), "alpha": a.Alpha, "lambda": a.Lambda}
				if !reflect.DeepEqual(got, p) {
					t.Errorf("train.als = %v, want %v", got, p)
				}
			case "knn":
				k := cfg.Train.KNN
				got := eval.Params{"score_neighbors": float64(k.ScoreNeighbors), "shrink": k.Shrink, "alpha": k.Alpha}
				if !reflect.DeepEqual(got, p) {
					t.Errorf("train.knn = %v, want %v", got, p)
				}
			case "ease":
				e := cfg.Train.EASE
				got := eval.Params{"lambda": e.Lambda, "min_count": float64(e.MinCount)}
				if !reflect.DeepEqual(got, p) {
					t.Errorf("train.ease = %v, want %v", got, p)
				}
				if strings.Contains(string(text), "#   ease:") {
					t.Errorf("train.ease is commented out although the configuration knows it:\n%s", text)
				}
			default:
				if configKnows(space.Section) {
					t.Skipf("Config now has train.%s: extend this test to check its values", space.Section)
				}
				if !reflect.DeepEqual(cfg, defaultConfig()) {
					t.Error("a commented-out section changed the configuration")
				}
				if !strings.Contains(string(text), "#   "+space.Section+":\n") {
					t.Errorf("want train.%s commented out:\n%s", space.Section, text)
				}
			}
		})
	}
}

func TestRunTune(t *testing.T) {
	data := writeTuneCSV(t)
	dir := t.TempDir()
	run := func(out string) (string, string) {
		var stdout, stderr bytes.Buffer
		err := runTune(context.Background(), []string{"--data", data, "--model", "als", "--trials", "3", "--seed", "5",
			"--workers", "2", "--no-progress", "--out", out}, &stdout, &stderr)
		if err != nil {
			t.Fatalf("runTune: %v\n%s", err, stderr.String())
		}
		return stdout.String(), stderr.String()
	}
	out1, out2 := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	stdout, stderr := run(out1)
	run(out2)

	if n := strings.Count(stderr, "msg=trial "); n != 4 {
		t.Errorf("%d trial log lines, want 4 (defaults + 3):\n%s", n, stderr)
	}
	m := regexp.MustCompile(`best \(trial \d+\): factors=(\d+) iterations=(\d+) alpha=(\S+) lambda=(\S+)`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no best configuration in\n%s", stdout)
	}
	v := regexp.MustCompile(`validation NDCG@10: best (\S+), defaults (\S+)`).FindStringSubmatch(stdout)
	if v == nil {
		t.Fatalf("no validation NDCG in\n%s", stdout)
	}
	if best, _ := strconv.ParseFloat(strings.TrimSuffix(v[1], ","), 64); best < mustFloat(t, v[2]) || best <= 0 {
		t.Errorf("validation NDCG best %s < defaults %s", v[1], v[2])
	}
	if !strings.Contains(stdout, "test NDCG@10:") {
		t.Errorf("no test NDCG in\n%s", stdout)
	}
	cfg := defaultConfig()
	if err := cfg.loadFile(out1); err != nil {
		t.Fatal(err)
	}
	a := cfg.Train.ALS
	got := []string{strconv.Itoa(a.Factors), strconv.Itoa(a.Iterations), strconv.FormatFloat(a.Alpha, 'g', -1, 64), strconv.FormatFloat(a.Lambda, 'g', -1, 64)}
	if !reflect.DeepEqual(got, m[1:]) {
		t.Errorf("written train.als = %v, printed best %v", got, m[1:])
	}
	b1, _ := os.ReadFile(out1)
	b2, _ := os.ReadFile(out2)
	if !bytes.Equal(b1, b2) {
		t.Errorf("two runs with one seed wrote different files:\n%s\n%s", b1, b2)
	}
}

func mustFloat(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(strings.TrimSuffix(s, ","), 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestRunTune_BadInput(t *testing.T) {
	data := writeTuneCSV(t)
	for name, args := range map[string][]string{
		"no data":       {"--model", "als"},
		"unknown model": {"--data", data, "--model", "popularity"},
		"no model":      {"--data", data},
		"bad method":    {"--data", data, "--model", "als", "--method", "grid"},
		"extra args":    {"--data", data, "--model", "als", "more"},
		"missing file":  {"--data", filepath.Join(t.TempDir(), "none.csv"), "--model", "als"},
	} {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			out := filepath.Join(t.TempDir(), "x.yaml")
			if err := runTune(context.Background(), append(args, "--no-progress", "--out", out), &stdout, &stderr); err == nil {
				t.Error("want an error")
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("a failed run wrote the output file")
			}
		})
	}
}

// recd tune --model hybrid searches the served blend's weights (each trial a whole service
// on the data's catalog) and writes them as rank.weights, the weights it does not search
// kept as configured.
func TestRunTune_Hybrid(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a service per trial")
	}
	data := writeTuneCSV(t)
	out := filepath.Join(t.TempDir(), "tuned.yaml")
	t.Setenv("RECD_RANK_WEIGHTS", "itemknn=0.3,ease=3,cf=0.5,content=0.1,popular=0.02,session=1")
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where each trial's service lives
	var stdout, stderr bytes.Buffer
	if err := runTune(context.Background(), []string{"--data", data, "--model", "hybrid", "--trials", "2", "--seed", "5",
		"--workers", "2", "--no-progress", "--out", out}, &stdout, &stderr); err != nil {
		t.Fatalf("runTune: %v\n%s", err, stderr.String())
	}
	if n := strings.Count(stderr.String(), "msg=trial "); n != 3 {
		t.Errorf("%d trial log lines, want 3 (defaults + 2):\n%s", n, stderr.String())
	}
	m := regexp.MustCompile(`best \(trial \d+\): itemknn=(\S+) cf=(\S+) content=(\S+) popular=(\S+) ease=(\S+) session=(\S+)`).FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("no best weights in\n%s", stdout.String())
	}
	cfg := defaultConfig()
	if err := cfg.loadFile(out); err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"itemknn": mustFloat(t, m[1]), "cf": mustFloat(t, m[2]), "content": mustFloat(t, m[3]),
		"popular": mustFloat(t, m[4]), "ease": 3, "session": 1}
	if !reflect.DeepEqual(cfg.Rank.Weights, want) {
		t.Errorf("rank.weights = %v, want %v (ease and session as configured)", cfg.Rank.Weights, want)
	}
	if mustFloat(t, m[5]) != 3 {
		t.Errorf("the configured EASE weight 3 was not kept: %s", m[5])
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("trials left %d temporary directories behind", len(left))
	}
}
