package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/experiment"
	"github.com/recd/recd/store"
)

// DefaultExperimentRefresh is how often a replica rereads the experiment definitions, so a
// write through another replica takes effect here within it.
const DefaultExperimentRefresh = time.Second

// ErrNoExperiments is returned by the experiment calls when the store holds no experiments.
var ErrNoExperiments = fmt.Errorf("experiments need a store that holds them: %w", recd.ErrUnavailable)

// ExperimentInfo is an experiment's definition with its status at the time it was read.
type ExperimentInfo struct {
	experiment.Experiment
	Status string `json:"status"`
}

// experiments owns the experiment definitions the read path serves by. Every replica reads
// them from the store: refresh (every Options.ExperimentRefresh in RunExperiments, at start
// and after every write through this replica) installs the running experiment, with its
// variants' parsed knobs, in cur. The read path's only cost without a running experiment is
// cur's one atomic load. mu serialises refreshes and writes, so an older read never replaces
// a newer one. pins holds the model versions the running experiment pins. Safe for
// concurrent use; a part over a store without store.Experiments serves no experiment and
// answers ErrNoExperiments.
type experiments struct {
	st   store.Experiments
	arts store.Store // where model_version overrides are checked
	log  *slog.Logger
	now  func() time.Time
	pins *pinnedModels // nil: no version is pinned (tests of the part alone)

	cur atomic.Pointer[running]
	mu  sync.Mutex
}

// running is the experiment being served and its variants' knobs (immutable once installed).
type running struct {
	x     experiment.Experiment
	knobs []experiment.Knobs
}

func newExperiments(st store.Store, log *slog.Logger) *experiments {
	xs, _ := st.(store.Experiments)
	return &experiments{st: xs, arts: st, log: log, now: time.Now}
}

// current returns the running experiment, or nil: one atomic load, then the end checked.
func (p *experiments) current() *running {
	r := p.cur.Load()
	if r == nil || !p.now().Before(r.x.End) {
		return nil
	}
	return r
}

// refresh reads every definition and installs the one running now (nil when none).
func (p *experiments) refresh(ctx context.Context) error {
	if p.st == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	all, err := p.load(ctx)
	if err != nil {
		return err
	}
	now := p.now()
	var next *running
	for _, x := range all {
		if x.Status(now) != experiment.StatusRunning {
			continue
		}
		r := &running{x: x, knobs: make([]experiment.Knobs, len(x.Variants))}
		for i, v := range x.Variants {
			if r.knobs[i], err = v.Overrides.Knobs(fmt.Sprintf("variants[%d].overrides", i)); err != nil {
				p.log.Warn("experiment skipped", "experiment", x.ID, "err", err)
				r = nil
				break
			}
		}
		if r != nil {
			next = r
			break
		}
	}
	p.cur.Store(next)
	if p.pins != nil {
		var pinned []string
		if next != nil {
			pinned = next.x.PinnedVersions()
		}
		p.pins.want(pinned)
	}
	return nil
}

// protectedVersions are the model versions the stored experiments that have not finished pin,
// read from the store now (a training process may not reread the definitions): pruning keeps
// them whatever keep_versions says.
func (p *experiments) protectedVersions(ctx context.Context) ([]string, error) {
	if p.st == nil {
		return nil, nil
	}
	all, err := p.load(ctx)
	if err != nil {
		return nil, err
	}
	now := p.now()
	var out []string
	for _, x := range all {
		if x.Status(now) != experiment.StatusFinished {
			out = append(out, x.PinnedVersions()...)
		}
	}
	return out, nil
}

// load reads and decodes every stored definition; one that does not decode is skipped.
func (p *experiments) load(ctx context.Context) ([]experiment.Experiment, error) {
	recs, err := p.st.ListExperiments(ctx)
	if err != nil {
		return nil, fmt.Errorf("list experiments: %w", err)
	}
	out := make([]experiment.Experiment, 0, len(recs))
	for _, rec := range recs {
		x, err := decodeExperiment(rec)
		if err != nil {
			p.log.Warn("experiment unreadable", "experiment", rec.ID, "err", err)
			continue
		}
		out = append(out, x)
	}
	return out, nil
}

func decodeExperiment(rec store.ExperimentRecord) (experiment.Experiment, error) {
	var x experiment.Experiment
	if err := json.Unmarshal([]byte(rec.Spec), &x); err != nil {
		return x, err
	}
	x.ID, x.Created = rec.ID, rec.Created
	return x, nil
}

// run refreshes every interval until ctx ends.
func (p *experiments) run(ctx context.Context, interval time.Duration) {
	if p.st == nil {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := p.refresh(ctx); err != nil && ctx.Err() == nil {
				p.log.Warn("experiments refresh failed", "err", err)
			}
		}
	}
}

func (p *experiments) info(x experiment.Experiment) ExperimentInfo {
	return ExperimentInfo{Experiment: x, Status: x.Status(p.now())}
}

// put validates x and stores it, refusing a 33rd experiment and one whose span overlaps
// another experiment's that has not finished; it reports whether the id was new.
func (p *experiments) put(ctx context.Context, x experiment.Experiment) (ExperimentInfo, bool, error) {
	if p.st == nil {
		return ExperimentInfo{}, false, ErrNoExperiments
	}
	x.Normalize()
	if err := x.Validate(); err != nil {
		return ExperimentInfo{}, false, err
	}
	for i, v := range x.Variants {
		if k, _ := v.Overrides.Knobs(""); k.ModelVersion != "" {
			if err := savedVersion(ctx, p.arts, fmt.Sprintf("variants[%d].overrides.model_version", i), k.ModelVersion); err != nil {
				return ExperimentInfo{}, false, err
			}
		}
	}
	p.mu.Lock()
	all, err := p.load(ctx)
	if err == nil {
		err = p.admit(&x, all)
	}
	if err != nil {
		p.mu.Unlock()
		return ExperimentInfo{}, false, err
	}
	now := p.now().UTC()
	x.Created = now
	spec, err := json.Marshal(x)
	if err != nil {
		p.mu.Unlock()
		return ExperimentInfo{}, false, err
	}
	created, err := p.st.PutExperiment(ctx, store.ExperimentRecord{ID: x.ID, Spec: string(spec), Created: now, Updated: now})
	p.mu.Unlock()
	if err != nil {
		return ExperimentInfo{}, false, err
	}
	if err := p.refresh(ctx); err != nil {
		p.log.Warn("experiments refresh failed", "err", err)
	}
	got, err := p.get(ctx, x.ID)
	return got, created, err
}

// admit checks x against the stored experiments: at most MaxStored, and no overlap with an
// unfinished one (only one experiment runs at a time, whatever its unit).
func (p *experiments) admit(x *experiment.Experiment, all []experiment.Experiment) error {
	now := p.now()
	replaces := false
	for i := range all {
		o := &all[i]
		if o.ID == x.ID {
			replaces = true
			continue
		}
		if o.Status(now) != experiment.StatusFinished && x.Status(now) != experiment.StatusFinished && x.Overlaps(o) {
			return recd.Invalid("start", fmt.Sprintf("the span overlaps experiment %q (%s to %s); one experiment runs at a time",
				o.ID, o.Start.Format(time.RFC3339), o.End.Format(time.RFC3339)))
		}
	}
	if !replaces && len(all) >= experiment.MaxStored {
		return recd.Invalid("id", fmt.Sprintf("%d experiments are stored, the most there may be; delete one first",
			experiment.MaxStored))
	}
	return nil
}

func (p *experiments) get(ctx context.Context, id string) (ExperimentInfo, error) {
	if p.st == nil {
		return ExperimentInfo{}, ErrNoExperiments
	}
	rec, err := p.st.GetExperiment(ctx, id)
	if err != nil {
		return ExperimentInfo{}, err
	}
	x, err := decodeExperiment(rec)
	if err != nil {
		return ExperimentInfo{}, fmt.Errorf("experiment %q: %w", id, err)
	}
	return p.info(x), nil
}

func (p *experiments) list(ctx context.Context) ([]ExperimentInfo, error) {
	if p.st == nil {
		return nil, ErrNoExperiments
	}
	all, err := p.load(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ExperimentInfo, len(all))
	for i, x := range all {
		out[i] = p.info(x)
	}
	return out, nil
}

func (p *experiments) delete(ctx context.Context, id string) error {
	if p.st == nil {
		return ErrNoExperiments
	}
	if err := p.st.DeleteExperiment(ctx, id); err != nil {
		return err
	}
	if err := p.refresh(ctx); err != nil && !errors.Is(err, context.Canceled) {
		p.log.Warn("experiments refresh failed", "err", err)
	}
	return nil
}
