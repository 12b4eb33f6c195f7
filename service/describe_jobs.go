package service

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/recd/recd"
	"github.com/recd/recd/describe"
)

// ErrDescribeRunning is returned when a describe job is already running.
var ErrDescribeRunning = errors.New("a describe job is already running")

// DescribeOptions configure the describe jobs a running server starts (POST
// /v1/admin/describe). Writer nil: the route answers that no model is configured.
type DescribeOptions struct {
	Writer describe.Writer
	// Options are the job's defaults; a request may set OnlyThin and Fields.
	Options describe.Options
	// KeepJobs is how many finished jobs are remembered for GET /v1/admin/jobs/{id}
	// (default 16).
	KeepJobs int
}

// DescribeRequest is what a caller may choose for one job.
type DescribeRequest struct {
	OnlyThin bool
	Fields   []string
}

// Job states.
const (
	JobRunning   = "running"
	JobDone      = "done"
	JobFailed    = "failed"
	JobCancelled = "cancelled"
)

// Job is a background job as GET /v1/admin/jobs/{id} shows it.
type Job struct {
	ID       string           `json:"id"`
	Kind     string           `json:"kind"`
	State    string           `json:"state"`
	Started  time.Time        `json:"started_at"`
	Finished *time.Time       `json:"finished_at,omitempty"`
	Progress JobProgress      `json:"progress"`
	Report   *describe.Report `json:"report,omitempty"`
	Error    string           `json:"error,omitempty"`
}

// JobProgress is where a running job stands.
type JobProgress struct {
	Total      int     `json:"total"`
	Done       int     `json:"done"`
	Written    int     `json:"written"`
	Failed     int     `json:"failed"`
	ElapsedSec float64 `json:"elapsed_seconds"`
	ETASec     float64 `json:"eta_seconds"`
}

// describeJobs runs describe jobs in the background, one at a time, and remembers the last
// KeepJobs of them. mu guards jobs, order and cancel; the running job's progress is written
// under mu too.
type describeJobs struct {
	opts DescribeOptions
	cat  describe.Catalog

	mu     sync.Mutex
	jobs   map[string]*Job
	order  []string // ids, oldest first
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newDescribeJobs(opts DescribeOptions, cat describe.Catalog) *describeJobs {
	if opts.KeepJobs <= 0 {
		opts.KeepJobs = 16
	}
	return &describeJobs{opts: opts, cat: cat, jobs: map[string]*Job{}}
}

// start starts a job unless one is running (ErrDescribeRunning) or no model is configured.
func (d *describeJobs) start(req DescribeRequest) (Job, error) {
	if d.opts.Writer == nil {
		return Job{}, recd.Unprocessable("", "no model is configured for descriptions (describe.base_url and describe.model)")
	}
	o := d.opts.Options
	o.OnlyThin = req.OnlyThin
	if len(req.Fields) > 0 {
		if len(req.Fields) > len(recd.DescribeFields) {
			return Job{}, recd.Invalid("fields", fmt.Sprintf("has more than %d entries", len(recd.DescribeFields)))
		}
		o.Fields = req.Fields
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cancel != nil {
		return Job{}, ErrDescribeRunning
	}
	j := &Job{ID: uuid.NewString(), Kind: "describe", State: JobRunning, Started: time.Now().UTC()}
	o.Progress = func(p describe.Progress) {
		d.mu.Lock()
		j.Progress = JobProgress{Total: p.Total, Done: p.Done, Written: p.Written, Failed: p.Failed,
			ElapsedSec: p.Elapsed.Seconds(), ETASec: p.ETA().Seconds()}
		d.mu.Unlock()
	}
	job, err := describe.New(d.cat, d.opts.Writer, o)
	if err != nil {
		return Job{}, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	d.remember(j)
	d.wg.Add(1)
	go d.run(ctx, job, j)
	return *j, nil
}

func (d *describeJobs) run(ctx context.Context, job *describe.Job, j *Job) {
	defer d.wg.Done()
	rep, err := job.Run(ctx)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cancel()
	d.cancel = nil
	now := time.Now().UTC()
	j.Finished, j.Report = &now, &rep
	switch {
	case errors.Is(err, context.Canceled):
		j.State = JobCancelled
	case err != nil:
		j.State, j.Error = JobFailed, err.Error()
	default:
		j.State = JobDone
	}
}

// remember adds j and forgets the oldest finished jobs beyond KeepJobs. The caller holds mu.
func (d *describeJobs) remember(j *Job) {
	d.jobs[j.ID] = j
	d.order = append(d.order, j.ID)
	for len(d.order) > d.opts.KeepJobs {
		delete(d.jobs, d.order[0])
		d.order = d.order[1:]
	}
}

// job returns a copy of the job id, or ErrNotFound.
func (d *describeJobs) job(id string) (Job, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	j, ok := d.jobs[id]
	if !ok {
		return Job{}, fmt.Errorf("job %q: %w", id, recd.ErrNotFound)
	}
	out := *j
	if j.Report != nil {
		rep := *j.Report
		out.Report = &rep
	}
	return out, nil
}

// close stops a running job and waits for it.
func (d *describeJobs) close() {
	d.mu.Lock()
	if d.cancel != nil {
		d.cancel()
	}
	d.mu.Unlock()
	d.wg.Wait()
}

// StartDescribe starts a describe job in the background and returns it (state running):
// ErrDescribeRunning while another runs, ErrUnprocessable when no model is configured.
// Progress and the outcome are in Job.
func (s *Service) StartDescribe(_ context.Context, req DescribeRequest) (Job, error) {
	return s.jobs.start(req)
}

// Job returns a background job by id (the last DescribeOptions.KeepJobs are kept), or
// ErrNotFound.
func (s *Service) Job(_ context.Context, id string) (Job, error) { return s.jobs.job(id) }

// serviceCatalog is the service as a describe job's catalog: the store's items, and
// descriptions written through PutGenerated's validation.
type serviceCatalog struct{ s *Service }

func (c serviceCatalog) ScanItems(ctx context.Context, fn func(recd.Item) error) error {
	return c.s.st.ScanItems(ctx, fn)
}

func (c serviceCatalog) PutGenerated(ctx context.Context, id string, g recd.Generated) error {
	_, err := c.s.PutGenerated(ctx, id, GeneratedIn{Text: g.Text, Model: g.Model, Fields: g.Fields, SourceHash: g.SourceHash})
	return err
}
