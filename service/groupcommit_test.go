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

// While a commit is held, writes queue until their events would pass maxWaitingEvents; the
// next is refused with ErrUnavailable without giving back a slot it keeps, and the queued
// ones, whose slots were given back on admission, are all stored once the commit ends.
func TestGroupCommit_QueueBounds(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "recd.db"), sqlite.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	gs := &gateStore{Store: st, gate: make(chan struct{}), entered: make(chan struct{})}
	var g groupCommit
	ev := func(n int) []recd.Event {
		out := make([]recd.Event, n)
		for i := range out {
			out[i] = recd.Event{UserID: "u", ItemID: fmt.Sprint("i", i%100), Type: "click", Timestamp: time.Unix(1, 0).UTC()}
		}
		return out
	}
	var released sync.WaitGroup
	write := func(n int, errs chan<- error) { // the caller adds 1 to released first
		var once sync.Once
		sctx := WithSlotRelease(ctx, func() { once.Do(released.Done) })
		_, err := g.add(sctx, gs, ev(n))
		errs <- err
	}
	errs := make(chan error, 8)
	queued := (maxWaitingEvents - 1) / maxGroupEvents // batches of maxGroupEvents that fit beside the leader's one event
	released.Add(1 + queued)
	go write(1, errs)
	<-gs.entered
	for range queued {
		go write(maxGroupEvents, errs)
	}
	released.Wait() // every admitted write gave its slot back
	g.mu.Lock()
	waiting, events := g.waiting, g.events
	g.mu.Unlock()
	if waiting != 1+queued || events != 1+queued*maxGroupEvents {
		t.Fatalf("waiting %d writes of %d events, want %d of %d", waiting, events, 1+queued, 1+queued*maxGroupEvents)
	}
	refusedCtx := WithSlotRelease(ctx, func() { t.Error("a refused write gave back its slot") })
	if _, err := g.add(refusedCtx, gs, ev(maxGroupEvents)); !errors.Is(err, recd.ErrUnavailable) {
		t.Fatalf("write past the bound: got %v, want ErrUnavailable", err)
	}
	close(gs.gate)
	for range 1 + queued {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if g.waiting != 0 || g.events != 0 {
		t.Errorf("after the commits: waiting %d writes of %d events, want none", g.waiting, g.events)
	}
	// Alone, a batch larger than the bound on events is admitted.
	if _, err := g.add(ctx, gs, ev(maxWaitingEvents+1)); err != nil {
		t.Errorf("one batch past the bound alone: %v", err)
	}
}
