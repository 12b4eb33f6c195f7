package describe

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/describe/openaitest"
)

// memCatalog is an in-memory Catalog: items by id, with their generated text. Safe for
// concurrent use: mu guards items.
type memCatalog struct {
	mu    sync.Mutex
	items map[string]recd.Item
}

func newCatalog(items ...recd.Item) *memCatalog {
	c := &memCatalog{items: map[string]recd.Item{}}
	for _, it := range items {
		c.items[it.ID] = it
	}
	return c
}

func (c *memCatalog) ScanItems(_ context.Context, fn func(recd.Item) error) error {
	c.mu.Lock()
	ids := make([]string, 0, len(c.items))
	for id := range c.items {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	items := make([]recd.Item, len(ids))
	for i, id := range ids {
		items[i] = c.items[id]
	}
	c.mu.Unlock()
	for _, it := range items {
		if err := fn(it); err != nil {
			return err
		}
	}
	return nil
}

func (c *memCatalog) PutGenerated(_ context.Context, id string, g recd.Generated) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	it, ok := c.items[id]
	if !ok {
		return recd.ErrNotFound
	}
	it.Generated = &g
	c.items[id] = it
	return nil
}

func (c *memCatalog) generated(id string) *recd.Generated {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.items[id].Generated
}

func (c *memCatalog) setTags(id string, tags ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	it := c.items[id]
	it.Tags = tags
	c.items[id] = it
}

func movie(id, title string, cats ...string) recd.Item {
	return recd.Item{ID: id, Title: title, Categories: cats, Tags: []string{"tag " + id}, Available: true}
}

func movies(n int) []recd.Item {
	out := make([]recd.Item, n)
	for i := range out {
		out[i] = movie(fmt.Sprintf("m%02d", i), fmt.Sprintf("Film Number %d (19%02d)", i, 50+i), "Drama")
	}
	return out
}

// fastOptions retry at once and do not pace, so tests take no time waiting.
func fastOptions() Options {
	o := DefaultOptions()
	o.RequestsPerSecond = 0
	o.InitialBackoff, o.MaxBackoff = time.Millisecond, 5*time.Millisecond
	o.Timeout = 2 * time.Second
	return o
}

func newJob(t *testing.T, cat Catalog, srv *openaitest.Server, opts Options) *Job {
	t.Helper()
	w, err := NewOpenAI(OpenAIOptions{BaseURL: srv.BaseURL(), Model: "double-1"})
	if err != nil {
		t.Fatal(err)
	}
	j, err := New(cat, w, opts)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func run(t *testing.T, j *Job) Report {
	t.Helper()
	rep, err := j.Run(t.Context())
	if err != nil {
		t.Fatalf("Run: %v (report %+v)", err, rep)
	}
	return rep
}

func failureReasons(rep Report) string {
	var b strings.Builder
	for _, f := range rep.Failures {
		fmt.Fprintf(&b, "%s: %s; ", f.ID, f.Reason)
	}
	return b.String()
}
