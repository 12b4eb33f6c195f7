package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/eval"
	"github.com/recd/recd/index/hnsw"
	"github.com/recd/recd/model"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/service"
	"github.com/recd/recd/store/sqlite"
)

func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cleanup []func()
	defer func() {
		for _, f := range cleanup {
			f()
		}
	}()
	if slices.ContainsFunc(args, isHelp) { // usage needs no configuration
		return eval.RunCLI(ctx, args, stdout, stderr, nil)
	}
	// The hybrid is the served pipeline as configured (RECD_* variables, RECD_CONFIG).
	var cf commonFlags
	cf.config = os.Getenv("RECD_CONFIG")
	cfg, err := cf.load()
	if err != nil {
		return err
	}
	var mu sync.Mutex
	models := map[string]func() model.Recommender{
		"popularity": func() model.Recommender { return model.NewPopularity() },
		"itemknn":    func() model.Recommender { return model.NewItemKNN(model.DefaultItemKNNOptions()) },
		"als":        func() model.Recommender { return model.NewALS(model.DefaultALSOptions()) },
		"bpr":        func() model.Recommender { return model.NewBPR(model.DefaultBPROptions()) },
		"ease":       func() model.Recommender { return model.NewEASE(model.DefaultEASEOptions()) },
		"ncf":        func() model.Recommender { return model.NewNCF(model.DefaultNCFOptions()) },
		"hybrid": func() model.Recommender {
			h := &hybrid{log: stderr, opts: cfg.serviceOptions(), n: evalK(args)}
			mu.Lock()
			cleanup = append(cleanup, h.close)
			mu.Unlock()
			return h
		},
	}
	return eval.RunCLI(ctx, args, stdout, stderr, models)
}

// hybrid evaluates the served pipeline end to end: it builds a real service (SQLite store and
// HNSW index in a temporary directory) from the training split and the catalog, trains it as
// `recd train` would, and asks it for each user's recommendations with diversity and
// calibration as configured (off by default).
type hybrid struct {
	log   io.Writer
	opts  service.Options
	n     int
	items []recd.Item
	dir   string
	st    interface{ Close() error }
	idx   *hnsw.Index
	svc   *service.Service
	users []string
	index map[string]int32
}

func (h *hybrid) Name() string { return "hybrid" }

// evalK finds --k in the eval arguments (default 10), the length of the lists asked for.
func evalK(args []string) int {
	for i, a := range args {
		v := ""
		switch {
		case (a == "--k" || a == "-k") && i+1 < len(args):
			v = args[i+1]
		case strings.HasPrefix(a, "--k="), strings.HasPrefix(a, "-k="):
			v = a[strings.Index(a, "=")+1:]
		}
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			return n
		}
	}
	return 10
}

// SetItems implements eval.ItemAware: the catalog feeds the content model.
func (h *hybrid) SetItems(items []recd.Item) { h.items = items }

func (h *hybrid) Fit(ctx context.Context, d *model.Dataset) error {
	if err := h.open(ctx); err != nil {
		return err
	}
	if err := h.putCatalog(ctx, d); err != nil {
		return err
	}
	if err := h.putEvents(ctx, d); err != nil {
		return err
	}
	if _, err := h.svc.Train(ctx); err != nil {
		return fmt.Errorf("hybrid: train: %w", err)
	}
	h.users, h.index = d.Users, d.ItemIndex
	return nil
}

// open builds the service: a SQLite store in a temporary directory and an in-memory HNSW
// index; close releases them.
func (h *hybrid) open(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "recd-eval-hybrid-")
	if err != nil {
		return err
	}
	h.dir = dir
	st, err := sqlite.Open(filepath.Join(dir, "recd.db"), sqlite.DefaultOptions())
	if err != nil {
		return err
	}
	h.st = st
	idx, err := hnsw.New(hnsw.DefaultOptions())
	if err != nil {
		return err
	}
	h.idx = idx
	o := h.opts
	o.Index, o.StateDir, o.Spaces = idx, "", nil
	o.Weights = model.Weights{Default: 1}
	svc, err := service.New(ctx, st, o)
	if err != nil {
		return err
	}
	h.svc = svc
	return nil
}

// putCatalog stores the catalog and every training item missing from it. Every model is
// ranked over the training items (the protocol's candidates): catalog items without a
// training event stay in the catalog, for the content model, but are not available to
// recommend, as no other model can recommend them and a list slot given to one could never
// count.
func (h *hybrid) putCatalog(ctx context.Context, d *model.Dataset) error {
	items := make([]recd.Item, 0, len(h.items))
	for _, it := range h.items {
		_, trained := d.ItemIndex[it.ID]
		it.Available = it.Available && trained
		items = append(items, it)
	}
	if len(items) == 0 {
		for _, id := range d.Items {
			items = append(items, recd.Item{ID: id, Available: true})
		}
	}
	for i := 0; i < len(items); i += 5000 {
		if err := h.svc.PutItems(ctx, items[i:min(i+5000, len(items))]); err != nil {
			return fmt.Errorf("hybrid: items: %w", err)
		}
	}
	known := map[string]bool{}
	for _, it := range items {
		known[it.ID] = true
	}
	var missing []recd.Item
	for _, id := range d.Items {
		if !known[id] {
			missing = append(missing, recd.Item{ID: id, Available: true})
		}
	}
	if len(missing) > 0 {
		if err := h.svc.PutItems(ctx, missing); err != nil {
			return fmt.Errorf("hybrid: items: %w", err)
		}
	}
	return nil
}

// putEvents stores the training interactions in batches. Old timestamps keep the training
// history out of the live session (its TTL is minutes).
func (h *hybrid) putEvents(ctx context.Context, d *model.Dataset) error {
	ts := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	var batch []recd.Event
	for u := 0; u < d.NumUsers(); u++ {
		its, ws := d.UserRow(u)
		for n, i := range its {
			batch = append(batch, recd.Event{UserID: d.Users[u], ItemID: d.Items[i], Type: "interaction",
				Value: float64(ws[n]), Timestamp: ts})
			if len(batch) == 10000 {
				if _, err := h.svc.AddEvents(ctx, batch); err != nil {
					return fmt.Errorf("hybrid: events: %w", err)
				}
				batch = batch[:0]
			}
		}
	}
	if len(batch) > 0 {
		if _, err := h.svc.AddEvents(ctx, batch); err != nil {
			return fmt.Errorf("hybrid: events: %w", err)
		}
	}
	return nil
}

// Score ranks the user's list as served (h.n items, the evaluation's k); every other item
// scores 0.
func (h *hybrid) Score(u int, _ []int32, _ []float32, dst []float32) {
	for i := range dst {
		dst[i] = 0
	}
	if u < 0 || u >= len(h.users) {
		return
	}
	// The ranking knobs take the configuration's defaults (all off unless RECD_RANK_* or the
	// config file set them), so the trade-offs of the served stages can be measured.
	resp, err := h.svc.Recommend(context.Background(), service.RecommendRequest{UserID: h.users[u], N: h.n})
	if err != nil {
		fmt.Fprintf(h.log, "hybrid: user %s: %v\n", h.users[u], err)
		return
	}
	for r, it := range resp.Items {
		if i, ok := h.index[it.ID]; ok {
			dst[i] = float32(len(resp.Items) - r)
		}
	}
}

// VectorSimilarities implements eval.VectorAware: the cosine of two training items' vectors
// as the served index holds them, in the content space (what MMR's similarity reads) and the
// CF space.
func (h *hybrid) VectorSimilarities(train *model.Dataset) map[string]func(a, b int32) float64 {
	if h.idx == nil {
		return nil
	}
	out := map[string]func(a, b int32) float64{}
	for _, space := range []string{rank.SpaceContent, rank.SpaceCF} {
		vecs, err := h.idx.Vectors(context.Background(), space, train.Items)
		if err != nil || len(vecs) == 0 {
			continue
		}
		out[space] = cosineByIndex(train.Items, vecs)
	}
	return out
}

// cosineByIndex returns the cosine of the vectors of items[a] and items[b] (0 when either
// has none), by rank.CosineSimilarity.
func cosineByIndex(items []string, vecs map[string][]float32) func(a, b int32) float64 {
	cos := rank.CosineSimilarity(vecs)
	return func(a, b int32) float64 { return cos(items[a], items[b]) }
}

func (h *hybrid) close() {
	if h.svc != nil {
		h.svc.Close()
	}
	if h.st != nil {
		h.st.Close()
	}
	if h.dir != "" {
		os.RemoveAll(h.dir)
	}
}
