package service

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/store"
	"github.com/recd/recd/store/sqlite"
)

// gateStore holds its first AddEvents until released, counts the calls, and rejects a
// batch with an event of user "bad".
type gateStore struct {
	store.Store
	mu      sync.Mutex
	calls   []int // events per call
	gate    chan struct{}
	entered chan struct{}
	once    sync.Once
}

func (s *gateStore) AddEvents(ctx context.Context, events []recd.Event) ([]recd.Event, error) {
	first := false
	s.once.Do(func() { first = true })
	if first {
		close(s.entered)
		<-s.gate
	}
	s.mu.Lock()
	s.calls = append(s.calls, len(events))
	s.mu.Unlock()
	for _, e := range events {
		if e.UserID == "bad" {
			return nil, errors.New("rejected")
		}
	}
	return s.Store.AddEvents(ctx, events)
}

func TestGroupCommit_Add(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "recd.db"), sqlite.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	gs := &gateStore{Store: st, gate: make(chan struct{}), entered: make(chan struct{})}
	var g groupCommit
	ev := func(u string, n int) []recd.Event {
		out := make([]recd.Event, n)
		for i := range out {
			out[i] = recd.Event{UserID: u, ItemID: fmt.Sprint("i", i), Type: "click", Timestamp: time.Unix(1, 0).UTC()}
		}
		return out
	}
	type result struct {
		user   string
		stored []recd.Event
		err    error
	}
	results := make(chan result, 6)
	write := func(u string, n int) {
		stored, err := g.add(ctx, gs, ev(u, n))
		results <- result{u, stored, err}
	}
	go write("lead", 1)
	<-gs.entered // the leader's transaction runs; the next writers queue behind it
	users := []string{"a", "b", "bad", "c", "d"}
	for k, u := range users {
		go write(u, k+1)
	}
	for {
		g.mu.Lock()
		n := len(g.queue)
		g.mu.Unlock()
		if n == len(users) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	close(gs.gate)
	seqs := map[int64]bool{}
	for range 1 + len(users) {
		r := <-results
		if r.user == "bad" {
			if r.err == nil {
				t.Errorf("bad batch: got no error")
			}
			continue
		}
		if r.err != nil {
			t.Fatalf("%s: %v", r.user, r.err)
		}
		for _, e := range r.stored {
			if e.UserID != r.user || e.Seq == 0 || seqs[e.Seq] {
				t.Fatalf("%s: got event %+v (seq seen before: %v)", r.user, e, seqs[e.Seq])
			}
			seqs[e.Seq] = true
		}
	}
	// The leader alone, then the five queued batches in one transaction (which the bad one
	// fails), then each of them on its own.
	// (The queued batches retry in queue order, which the goroutines' start decides.)
	got := slices.Clone(gs.calls)
	if len(got) > 2 {
		slices.Sort(got[2:])
	}
	if want := []int{1, 15, 1, 2, 3, 4, 5}; !slices.Equal(got, want) {
		t.Errorf("store calls by size: got %v, want %v in any order after the first two", gs.calls, want)
	}
	if want := 1 + 1 + 2 + 4 + 5; len(seqs) != want {
		t.Errorf("got %d stored events, want %d", len(seqs), want)
	}
}
