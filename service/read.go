package service

import (
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/recd/recd"
	"github.com/recd/recd/query"
	"github.com/recd/recd/rank"
)

// reader is the read path: recommendations, similar, popular and trending lists and
// natural-language queries, each over one serving snapshot (snap, written by the trainer) and
// the live state, with the response cache and the precomputed lists as shortcuts beside the
// pipeline. Its own state is the copy of the serving pipeline without exposure recording that
// precomputation uses, guarded by preMu, and the ledger of the impressions served to each user
// (which guards itself). Safe for concurrent use.
type reader struct {
	opts    *Options
	snap    *atomic.Pointer[serving]
	live    liveState
	vec     *vectors
	metrics *Metrics
	log     *slog.Logger
	// pre is the live state's precomputed lists (nil without Redis).
	pre precomputer
	// gate is held shared for a user while their request may fill the per-user caches, so
	// that their deletion does not run meanwhile (see userGate); ledger remembers what each
	// user was shown, for their deletion.
	gate   *userGate
	ledger *impressionLedger
	// imp records each served list as an impression (nil: lists get ids but are not recorded).
	imp *impressions
	// exps is the running experiment, if any, whose variants recommendation requests get.
	exps *experiments

	vocab     *query.SwappableVocabulary
	parser    *query.FallbackParser
	explainer query.Explainer

	preMu   sync.Mutex
	prePipe [2]*rank.Pipeline // serving pipeline -> its copy without exposure recording
}

// newReader sets up the query parser and explainer (through the LLM when configured).
func newReader(opts *Options, snap *atomic.Pointer[serving], live liveState, vec *vectors, metrics *Metrics,
	log *slog.Logger, gate *userGate) (*reader, error) {
	r := &reader{opts: opts, snap: snap, live: live, vec: vec, metrics: metrics, log: log, gate: gate,
		ledger: newImpressionLedger(live.exposureCounter(), live.shareRemovals)}
	r.pre, _ = live.(precomputer)
	r.vocab = &query.SwappableVocabulary{}
	r.parser = &query.FallbackParser{Builtin: query.Builtin{Vocab: r.vocab}, Timeout: opts.LLMBudget}
	r.explainer = query.SentenceExplainer{}
	if opts.LLM.BaseURL != "" {
		llm, err := query.NewLLMParser(opts.LLM, r.vocab)
		if err != nil {
			return nil, fmt.Errorf("llm: %w", err)
		}
		r.parser.LLM = llm
		if r.explainer, err = query.NewLLMExplainer(opts.LLM); err != nil {
			return nil, fmt.Errorf("llm explainer: %w", err)
		}
	}
	return r, nil
}

// Item and History read the live state, for the query path.
func (s *reader) Item(id string) (rank.ItemMeta, bool)   { return s.live.Item(id) }
func (s *reader) History(user string) []rank.Interaction { return s.live.History(user) }

// ErrNoModel is returned by reads that need a trained model before one exists.
var ErrNoModel = fmt.Errorf("no trained model yet: run training first: %w", recd.ErrUnavailable)

func (s *reader) pipeline() (*rank.Pipeline, error) {
	sv := s.snap.Load()
	if sv == nil {
		return nil, ErrNoModel
	}
	return sv.pipeline, nil
}

func (s *reader) checkN(n int) error {
	if n < 1 || n > s.opts.Limits.MaxN {
		return recd.Invalid("n", fmt.Sprintf("must be between 1 and %d", s.opts.Limits.MaxN))
	}
	return nil
}

func checkUnit(field string, v *float64) error {
	if v != nil && !(*v >= 0 && *v <= 1) {
		return recd.Invalid(field, "must be between 0 and 1")
	}
	return nil
}

// refreshVocabulary rebuilds the parser's title and category vocabulary from the live
// catalog; counts (interactions per item) break ties between equal titles.
func (s *reader) refreshVocabulary(counts map[string]int) {
	items := s.live.catalogItems()
	sort.Slice(items, func(a, b int) bool { return items[a].ID < items[b].ID }) // deterministic ties
	pop := make(map[string]float64, len(counts))
	for id, n := range counts {
		pop[id] = float64(n)
	}
	s.vocab.Store(query.NewVocabularyWith(items, query.VocabularyOptions{Popularity: pop}))
}
