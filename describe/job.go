package describe

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/recd/recd"
	"golang.org/x/time/rate"
)

// Progress is where a run stands.
type Progress struct {
	Total   int // items selected for this run
	Done    int // written + failed
	Written int
	Failed  int
	Elapsed time.Duration
}

// ETA estimates the time left from the pace so far (0 before the first item is done).
func (p Progress) ETA() time.Duration {
	if p.Done == 0 || p.Done >= p.Total {
		return 0
	}
	return time.Duration(float64(p.Elapsed) / float64(p.Done) * float64(p.Total-p.Done))
}

// Failure is one item the run could not describe; it is asked again on a later run.
type Failure struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// maxFailures bounds the failures a report lists; Failed counts them all.
const maxFailures = 100

// Report is the outcome of a run.
type Report struct {
	Scanned  int       `json:"scanned"`  // items read
	Fresh    int       `json:"fresh"`    // skipped: their description is from their current fields
	Thick    int       `json:"thick"`    // skipped by OnlyThin: their own text is long enough
	Selected int       `json:"selected"` // asked for
	Written  int       `json:"written"`
	Failed   int       `json:"failed"`
	Failures []Failure `json:"failures,omitempty"` // the first maxFailures
	Requests int       `json:"requests"`           // calls to the writer, retries included
}

// Job has a Writer describe a catalog's items. It is used by one Run or Plan at a time; its
// pacing state (the rate limiter, the shared pause after a Retry-After, the jitter source)
// is safe for its workers' concurrent use: rng is guarded by mu, pauseUntil is atomic.
type Job struct {
	opts   Options
	fields []string
	cat    Catalog
	w      Writer
	lim    *rate.Limiter
	log    *slog.Logger

	pauseUntil atomic.Int64 // Unix ns before which no worker calls the writer
	requests   atomic.Int64
	mu         sync.Mutex
	rng        *rand.Rand
}

// New returns a job over cat written by w; zero options take DefaultOptions' values.
func New(cat Catalog, w Writer, opts Options) (*Job, error) {
	opts = withDefaults(opts)
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("describe: %w", err)
	}
	fields, _ := recd.ParseDescribeFields(opts.Fields)
	lim := rate.NewLimiter(rate.Inf, 1)
	if opts.RequestsPerSecond > 0 {
		lim = rate.NewLimiter(rate.Limit(opts.RequestsPerSecond), 1)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Job{opts: opts, fields: fields, cat: cat, w: w, lim: lim, log: log,
		rng: rand.New(rand.NewPCG(opts.Seed, 0x6465736372696265))}, nil
}

func withDefaults(o Options) Options {
	d := DefaultOptions()
	for _, f := range []struct{ v, def *int }{{&o.Concurrency, &d.Concurrency}, {&o.MinChars, &d.MinChars},
		{&o.MaxChars, &d.MaxChars}} {
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	for _, f := range []struct{ v, def *time.Duration }{{&o.InitialBackoff, &d.InitialBackoff},
		{&o.MaxBackoff, &d.MaxBackoff}, {&o.Timeout, &d.Timeout}} {
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	return o
}

// Fields returns the fields the job shows the model, in canonical order.
func (j *Job) Fields() []string { return j.fields }

// selection scans the catalog and returns the items to ask for, counting the others.
func (j *Job) selection(ctx context.Context, rep *Report) ([]recd.Item, error) {
	var out []recd.Item
	err := j.cat.ScanItems(ctx, func(it recd.Item) error {
		rep.Scanned++
		switch {
		case j.opts.OnlyThin && len(it.Text) >= j.opts.MinText:
			rep.Thick++
		case it.Generated != nil && it.Generated.SourceHash == recd.SourceHash(it, j.fields):
			rep.Fresh++
		default:
			it.Vectors = nil
			out = append(out, it)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("describe: scan items: %w", err)
	}
	rep.Selected = len(out)
	return out, nil
}

// Run describes every selected item and stores each description as it arrives. A cancelled
// context stops it after the calls in flight; what was stored stays, so the next run asks
// only for the rest. It returns ErrAuth (with the report so far) when the endpoint refuses
// the credentials.
func (j *Job) Run(ctx context.Context) (Report, error) {
	var rep Report
	items, err := j.selection(ctx, &rep)
	if err != nil {
		return rep, err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	start := time.Now()
	work := make(chan recd.Item)
	var mu sync.Mutex // guards rep and the progress callback
	var wg sync.WaitGroup
	for range min(j.opts.Concurrency, max(len(items), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range work {
				err := j.describeOne(ctx, it)
				if errors.Is(err, ErrAuth) {
					cancel(err)
				}
				mu.Lock()
				j.record(&rep, it.ID, err)
				if j.opts.Progress != nil {
					j.opts.Progress(Progress{Total: rep.Selected, Done: rep.Written + rep.Failed,
						Written: rep.Written, Failed: rep.Failed, Elapsed: time.Since(start)})
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for _, it := range items {
		select {
		case work <- it:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	rep.Requests = int(j.requests.Load())
	if cause := context.Cause(ctx); cause != nil {
		return rep, cause
	}
	return rep, nil
}

// record counts one item's outcome; a failure caused by the run's own end is not the item's.
func (j *Job) record(rep *Report, id string, err error) {
	switch {
	case err == nil:
		rep.Written++
	case errors.Is(err, context.Canceled):
	default:
		rep.Failed++
		if len(rep.Failures) < maxFailures {
			rep.Failures = append(rep.Failures, Failure{ID: id, Reason: err.Error()})
		}
		j.log.Warn("describe failed", "item", id, "err", err)
	}
}

// describeOne asks for one item's description (retrying transient failures), checks it and
// stores it with the hash of the fields it was written from.
func (j *Job) describeOne(ctx context.Context, it recd.Item) error {
	p := BuildPrompt(it, j.fields, j.opts.MaxChars)
	hash := recd.SourceHash(it, j.fields)
	answer, err := j.call(ctx, p)
	if err != nil {
		return err
	}
	text, err := CheckAnswer(answer, it.Title, j.opts.MinChars, j.opts.MaxChars)
	if err != nil {
		return err
	}
	g := recd.Generated{Text: text, Model: j.w.Model(), At: time.Now().UTC(), Fields: j.fields, SourceHash: hash}
	if err := j.cat.PutGenerated(ctx, it.ID, g); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}
