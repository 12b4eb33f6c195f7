// Package storetest is the conformance suite every store.Store backend runs: the behaviour the
// store package's doc comments promise, checked the same way for SQLite and PostgreSQL.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/store"
)

// Opener opens the store under test for t. Each new t must get an empty store; calling it
// again with the same t after the previous store was closed must reopen the same data (the
// suite uses this to check durability across close and reopen). Run closes every store it
// opens, so open should not register its own Close.
type Opener func(t *testing.T) store.Store

// Run runs the whole conformance suite against the stores open returns.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"Items", testItems},
		{"ItemVectors", testItemVectors},
		{"ListAndScanItems", testListItems},
		{"Users", testUsers},
		{"Events", testEvents},
		{"UserEvents", testUserEvents},
		{"ScanEvents", testScanEvents},
		{"Artifacts", testArtifacts},
		{"DeleteArtifact", testDeleteArtifact},
		{"PruneArtifacts", testPruneArtifacts},
		{"VectorLog", testVectorLog},
		{"BatchAtomicity", testBatchAtomicity},
		{"CancelAtomicity", testCancelAtomicity},
		{"Validation", testValidation},
		{"Concurrency", testConcurrency},
		{"Reopen", testReopen},
		{"Changes", testChanges},
		{"Impressions", testImpressions},
		{"EventAttribution", testEventAttribution},
		{"ImpressionScan", testImpressionScan},
		{"Experiments", testExperiments},
		{"ExperimentLists", testExperimentLists},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
}

// openStore opens a store and closes it when the test ends unless the test closed it first.
func openStore(t *testing.T, open Opener) *handle {
	t.Helper()
	h := &handle{Store: open(t)}
	t.Cleanup(func() { h.close(t) })
	return h
}

type handle struct {
	store.Store
	closed bool
}

func (h *handle) close(t *testing.T) {
	t.Helper()
	if h.closed {
		return
	}
	h.closed = true
	if err := h.Store.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func must(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func wantNotFound(t *testing.T, err error, what string) {
	t.Helper()
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("%s: err = %v, want one wrapping store.ErrNotFound", what, err)
	}
}

// norm round-trips v through JSON, the way the store keeps attributes.
func norm(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}

func sameStrings(a, b []string) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return reflect.DeepEqual(a, b)
}

// checkItem compares the stored fields of got with want (not timestamps, not vectors).
func checkItem(t *testing.T, got, want recd.Item) {
	t.Helper()
	if got.ID != want.ID || got.Title != want.Title || got.Text != want.Text || got.Available != want.Available {
		t.Errorf("item %q: got id=%q title=%q text=%q available=%v, want %q %q %q %v",
			want.ID, got.ID, got.Title, got.Text, got.Available, want.ID, want.Title, want.Text, want.Available)
	}
	if !sameStrings(got.Categories, want.Categories) || !sameStrings(got.Tags, want.Tags) {
		t.Errorf("item %q: got categories %v tags %v, want %v %v", want.ID, got.Categories, got.Tags, want.Categories, want.Tags)
	}
	if len(got.Attributes)+len(want.Attributes) > 0 && !reflect.DeepEqual(norm(got.Attributes), norm(want.Attributes)) {
		t.Errorf("item %q: got attributes %v, want %v", want.ID, got.Attributes, want.Attributes)
	}
}

func checkVectors(t *testing.T, id string, got, want map[string][]float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("item %q: got %d vector spaces %v, want %d", id, len(got), keys(got), len(want))
		return
	}
	for sp, w := range want {
		if !reflect.DeepEqual(got[sp], w) {
			t.Errorf("item %q space %q: got %v, want %v", id, sp, got[sp], w)
		}
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func checkEvent(t *testing.T, got, want recd.Event) {
	t.Helper()
	if got.Seq != want.Seq || got.UserID != want.UserID || got.ItemID != want.ItemID || got.Type != want.Type ||
		got.Value != want.Value || got.SessionID != want.SessionID || !got.Timestamp.Equal(want.Timestamp) {
		t.Errorf("event: got %+v, want %+v", got, want)
	}
}

// between reports whether ts lies in [lo, hi], allowing for stores that keep microseconds.
func between(ts, lo, hi time.Time) bool {
	return !ts.Before(lo.Truncate(time.Microsecond)) && !ts.After(hi)
}

// cancelAfter is a context that cancels itself when Done or Err is called for the n-th time,
// so that a store call fails at a point inside its work that depends on n.
type cancelAfter struct {
	context.Context
	n     int64
	calls atomic.Int64
	once  sync.Once
	done  chan struct{}
}

func newCancelAfter(parent context.Context, n int64) *cancelAfter {
	return &cancelAfter{Context: parent, n: n, done: make(chan struct{})}
}

func (c *cancelAfter) tick() {
	if c.calls.Add(1) >= c.n {
		c.once.Do(func() { close(c.done) })
	}
}

func (c *cancelAfter) Done() <-chan struct{} { c.tick(); return c.done }

func (c *cancelAfter) Err() error {
	c.tick()
	select {
	case <-c.done:
		return context.Canceled
	default:
		return nil
	}
}

func (c *cancelAfter) String() string { return fmt.Sprintf("cancelAfter(%d)", c.n) }
