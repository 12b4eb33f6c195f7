package eval_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/eval"
	"github.com/recd/recd/model"
)

// writeMovieLens writes a small MovieLens latest-small layout: 60 users in two taste groups
// over 40 items (group A likes items 0-19, group B items 20-39).
func writeMovieLens(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	var movies, ratings strings.Builder
	movies.WriteString("movieId,title,genres\n")
	for i := 0; i < 40; i++ {
		g := "Comedy"
		if i >= 20 {
			g = "Drama|Thriller"
		}
		fmt.Fprintf(&movies, "%d,Movie %d (1999),%s\n", i, i, g)
	}
	ratings.WriteString("userId,movieId,rating,timestamp\n")
	rng := rand.New(rand.NewPCG(3, 4))
	for u := 0; u < 60; u++ {
		base := 20 * (u % 2)
		for i := 0; i < 20; i++ {
			if rng.Float64() < 0.5 {
				fmt.Fprintf(&ratings, "%d,%d,%.1f,%d\n", u, base+i, 3+rng.Float64()*2, 1000+u*100+i)
			}
		}
		fmt.Fprintf(&ratings, "%d,%d,4.0,%d\n", u, 40-base-1-u%3, 999) // a little cross-group noise
	}
	for name, text := range map[string]string{"movies.csv": movies.String(), "ratings.csv": ratings.String()} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func testModels() map[string]func() model.Recommender {
	return map[string]func() model.Recommender{
		"ease": func() model.Recommender {
			o := model.DefaultEASEOptions()
			o.MinCount, o.Lambda = 1, 10
			return model.NewEASE(o)
		},
		"ncf": func() model.Recommender {
			o := model.DefaultNCFOptions()
			o.Epochs, o.GMFDim, o.MLPDim, o.Layers = 3, 4, 4, []int{4}
			return model.NewNCF(o)
		},
	}
}

func TestRunCLI(t *testing.T) {
	dir := writeMovieLens(t)
	ctx := context.Background()
	t.Run("json", func(t *testing.T) {
		var out, errb bytes.Buffer
		err := eval.RunCLI(ctx, []string{"--data", dir, "--models", "ease,ncf", "--output", "json", "--k", "5"}, &out, &errb, testModels())
		if err != nil {
			t.Fatalf("%v\n%s", err, errb.String())
		}
		var got struct {
			K      int `json:"k"`
			Models map[string]struct {
				Metrics    map[string]float64 `json:"metrics"`
				TrainTimeS float64            `json:"train_time_s"`
				SizeBytes  int64              `json:"size_bytes"`
				Users      int                `json:"users"`
			} `json:"models"`
			Best string `json:"best"`
		}
		if err := json.Unmarshal(out.Bytes(), &got); err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
		if got.K != 5 || len(got.Models) != 2 {
			t.Fatalf("k %d, %d models: %s", got.K, len(got.Models), out.String())
		}
		e := got.Models["ease"]
		if e.Users != 60 || e.SizeBytes == 0 || e.Metrics["ndcg"] <= 0 || e.Metrics["ild"] == 0 {
			t.Errorf("ease entry incomplete: %+v", e)
		}
		// a random list from ~30 unseen items has recall@5 ≈ 1/6; one from the user's own
		// taste group (~10 unseen) ≈ 1/2. EASE must be well above random.
		if e.Metrics["recall"] < 0.3 {
			t.Errorf("ease recall@5 = %.3f on two clean taste groups, want ≥ 0.3", e.Metrics["recall"])
		}
		if !strings.Contains(errb.String(), "ease: fit") {
			t.Errorf("no progress on stderr: %q", errb.String())
		}
	})
	t.Run("html report and markdown", func(t *testing.T) {
		var out, errb bytes.Buffer
		report := filepath.Join(t.TempDir(), "r.html")
		err := eval.RunCLI(ctx, []string{"--data", dir, "--split", "leave-last-out", "--output", "html", "--report", report}, &out, &errb, testModels())
		if err != nil {
			t.Fatalf("%v\n%s", err, errb.String())
		}
		html, err := os.ReadFile(report)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(html), `src="data:image/svg+xml;base64,`); n != 3 {
			t.Errorf("report has %d plots, want 3 (bars, exposure, trade-off)", n)
		}
		if !strings.Contains(errb.String(), "+ MMR diversity 0.8") {
			t.Errorf("no trade-off run on stderr:\n%s", errb.String())
		}
		if !strings.Contains(out.String(), "| ease |") || !strings.Contains(out.String(), "| ncf |") {
			t.Errorf("markdown on stdout lacks the models:\n%s", out.String())
		}
	})
	t.Run("train and test files", func(t *testing.T) {
		data, err := eval.ReadData(dir, "")
		if err != nil {
			t.Fatal(err)
		}
		s, err := eval.RandomSplit(data.Events, 0.2, 42)
		if err != nil {
			t.Fatal(err)
		}
		tmp := t.TempDir()
		tr, te := filepath.Join(tmp, "train.tsv"), filepath.Join(tmp, "test.tsv")
		if err := eval.WriteSplitFiles(s, tr, te); err != nil {
			t.Fatal(err)
		}
		// the same split given as files must give the same NDCG as --data with that seed
		run := func(args ...string) float64 {
			var out, errb bytes.Buffer
			if err := eval.RunCLI(ctx, append(args, "--models", "ease", "--output", "json"), &out, &errb, testModels()); err != nil {
				t.Fatalf("%v\n%s", err, errb.String())
			}
			var got struct {
				Models map[string]struct{ Metrics map[string]float64 } `json:"models"`
			}
			if err := json.Unmarshal(out.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			return got.Models["ease"].Metrics["ndcg"]
		}
		fromFiles, fromData := run("--train", tr, "--test", te), run("--data", dir, "--seed", "42")
		if fromFiles != fromData {
			t.Errorf("NDCG from files %v, from --data %v", fromFiles, fromData)
		}
	})
	t.Run("closes models", func(t *testing.T) {
		// A model holding resources is closed when RunCLI is done with it, also after the
		// trade-off has used the fitted model and when a later model fails.
		for _, args := range [][]string{
			{"--models", "closer", "--tradeoff", "0,0.5"},
			{"--models", "closer,broken"},
		} {
			closed := 0
			models := testModels()
			models["closer"] = func() model.Recommender { return &closer{Recommender: models["ease"](), closed: &closed} }
			models["broken"] = func() model.Recommender { return &closer{Recommender: failing{}, closed: &closed} }
			var out, errb bytes.Buffer
			err := eval.RunCLI(ctx, append([]string{"--data", dir}, args...), &out, &errb, models)
			if wantErr := slices.Contains(args, "closer,broken"); (err != nil) != wantErr {
				t.Fatalf("%q: err = %v, want an error: %v", args, err, wantErr)
			}
			if want := strings.Count(args[1], ",") + 1; closed != want {
				t.Errorf("%q: %d models closed, want %d", args, closed, want)
			}
		}
	})
	t.Run("bad input", func(t *testing.T) {
		for _, args := range [][]string{
			{},
			{"--data", dir, "--models", "nope"},
			{"--data", dir, "--split", "sideways"},
			{"--data", dir, "--output", "pdf"},
			{"--data", dir, "--k", "0"},
			{"--train", "x"},
			{"--data", dir, "--test-fraction", "1.5"},
			{"--data", dir, "--tradeoff", "0,2"},
		} {
			var out, errb bytes.Buffer
			err := eval.RunCLI(ctx, args, &out, &errb, testModels())
			if !errors.Is(err, recd.ErrInvalid) {
				t.Errorf("%q: err = %v, want ErrInvalid", args, err)
			}
		}
	})
}

// closer counts how often the model it wraps is closed.
type closer struct {
	model.Recommender
	closed *int
}

func (c *closer) Close() error { *c.closed++; return nil }

// failing is a model whose fit fails.
type failing struct{ model.Recommender }

func (failing) Name() string                              { return "broken" }
func (failing) Fit(context.Context, *model.Dataset) error { return errors.New("no fit") }
