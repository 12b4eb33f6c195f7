package sim

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/client"
)

// Runner simulates users against one server, or several replicas of one: a user's successive
// visits alternate between the URLs (and with Options.CrossClicks, a list's clicks go to
// another replica than the list). It is safe for concurrent use; each Run has its own clients
// and tally.
type Runner struct {
	split *Split
	urls  []string
	key   string
	opts  Options
	// Settle, when set, is called after each visit with the store sequence of its last click
	// (0 without clicks), and returns when every server serves from it: replicas that follow
	// the store then answer the user's next visit from the same history.
	Settle func(ctx context.Context, lastSeq int64) error
}

// NewRunner returns a runner of split's users against the servers at urls, sending key as the
// API key ("" for none).
func NewRunner(split *Split, urls []string, key string, o Options) (*Runner, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if len(urls) == 0 {
		return nil, fmt.Errorf("sim: no server URL")
	}
	return &Runner{split: split, urls: urls, key: key, opts: o}, nil
}

// Pair names the control and the treatment of an interleaving experiment, whose clicks are
// credited to the variant that contributed the item; nil for A/B.
type Pair = *[2]string

// Run simulates users (Options.Visits lists each) and returns what the simulator saw. done,
// when not nil, is called after each user. Users are simulated Options.Workers at a time; each
// user's decisions come from a source seeded by Options.Seed and the user id.
func (r *Runner) Run(ctx context.Context, users []string, pair Pair, done func()) (*Tally, error) {
	t := newTally()
	next := atomic.Int64{}
	var wg sync.WaitGroup
	errs := make([]error, r.opts.Workers)
	for w := range r.opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			clients, err := r.clients()
			if err != nil {
				errs[w] = err
				return
			}
			for {
				i := int(next.Add(1)) - 1
				if i >= len(users) || ctx.Err() != nil {
					return
				}
				rec, err := r.visit(ctx, clients, users[i], i)
				if err != nil {
					errs[w] = fmt.Errorf("user %s: %w", users[i], err)
					next.Store(int64(len(users))) // stop the others too
					return
				}
				t.record(rec, pair)
				if done != nil {
					done()
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	t.finish()
	return t, nil
}

func (r *Runner) clients() ([]*client.Client, error) {
	hc := &http.Client{Timeout: 60 * time.Second}
	out := make([]*client.Client, len(r.urls))
	for i, u := range r.urls {
		c, err := newClient(u, r.key, client.WithHTTPClient(hc))
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// visit runs one user's visits: each asks for a list without the items already clicked, draws
// the clicks, and sends them as click events naming the list and the position.
func (r *Runner) visit(ctx context.Context, clients []*client.Client, user string, ui int) (*userRecord, error) {
	rng := userRand(r.opts.Seed, "visit", user)
	activity := r.opts.Click.UserActivity(userRand(r.opts.Seed, "activity", user))
	rec := &userRecord{user: user}
	var clicked []string
	call := ui // alternates between replicas, starting at a different one per user
	for range r.opts.Visits {
		c := clients[call%len(clients)]
		call++
		list, err := c.Recommend(ctx, user, r.opts.ListSize, client.Exclude(clicked...))
		if err != nil {
			return nil, fmt.Errorf("recommend: %w", err)
		}
		if list.Experiment != "" {
			rec.experiment = list.Experiment
		}
		rec.variants = append(rec.variants, list.Variant)
		rec.shown = append(rec.shown, len(list.Items))
		served := list.ModelVersion + "/" + list.Scorer
		if list.ModelFallback != "" {
			served += "/fallback"
		}
		rec.served = append(rec.served, served)
		ps := r.opts.Click.Clicks(rng, activity, len(list.Items), func(p int) bool { return r.split.HeldOut(user, list.Items[p].ID) })
		if len(ps) == 0 {
			if err := r.settle(ctx, 0); err != nil {
				return nil, err
			}
			continue
		}
		duel := map[string]int{}
		rec.duels = append(rec.duels, duel)
		evs := make([]recd.Event, len(ps))
		now := time.Now().UTC()
		for k, p := range ps {
			item := list.Items[p].ID
			cl := Click{User: user, Item: item, RecommendationID: list.RecommendationID, Position: p, Variant: list.Variant}
			if v := list.Items[p].Variant; v != "" {
				cl.Variant = v
				duel[cl.Variant]++
			}
			rec.clicks = append(rec.clicks, cl)
			clicked = append(clicked, item)
			evs[k] = recd.Event{UserID: user, ItemID: item, Type: recd.EventClick, Timestamp: now,
				RecommendationID: list.RecommendationID, Position: &p}
		}
		if r.opts.CrossClicks {
			c = clients[call%len(clients)]
			call++
		}
		res, err := c.AddEvents(ctx, evs)
		if err != nil {
			return nil, fmt.Errorf("click events: %w", err)
		}
		if err := r.settle(ctx, res.LastSeq); err != nil {
			return nil, err
		}
	}
	return rec, nil
}

func (r *Runner) settle(ctx context.Context, seq int64) error {
	if r.Settle == nil {
		return nil
	}
	return r.Settle(ctx, seq)
}
