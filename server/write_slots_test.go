package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/server"
	"github.com/recd/recd/service"
	"github.com/recd/recd/store"
	"github.com/recd/recd/store/sqlite"
)

// slowCommitStore holds every AddEvents once armed until gate is closed: a group commit
// that takes as long as the test wants, like one behind a slow fsync or another writer.
type slowCommitStore struct {
	store.Store
	armed   bool
	gate    chan struct{}
	entered chan struct{}
	once    sync.Once
	mu      sync.Mutex
	events  int // events stored
}

func (s *slowCommitStore) AddEvents(ctx context.Context, events []recd.Event) ([]recd.Event, error) {
	if s.armed {
		s.once.Do(func() { close(s.entered) })
		<-s.gate
	}
	out, err := s.Store.AddEvents(ctx, events)
	if err == nil {
		s.mu.Lock()
		s.events += len(events)
		s.mu.Unlock()
	}
	return out, err
}

// A burst of event writes while a group commit is slow: with 2 write slots, writes waiting
// for the commit used to hold the slots, so all but the first two of the burst were refused
// with 503. Queued writes now give their slot back, so every write of the burst is admitted,
// answered 200 once the commit is done, and stored.
func TestServer_EventBurstDuringSlowCommitIsNotRefused(t *testing.T) {
	ctx := context.Background()
	base, err := sqlite.Open(filepath.Join(t.TempDir(), "recd.db"), sqlite.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { base.Close() })
	st := &slowCommitStore{Store: base, gate: make(chan struct{}), entered: make(chan struct{})}
	opts := service.DefaultOptions()
	opts.Index = newIndex(t)
	svc, err := service.New(ctx, st, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.PutItems(ctx, []recd.Item{{ID: "i0", Available: true}}); err != nil {
		t.Fatal(err)
	}
	lim, err := server.NewConcurrencyLimiter(server.ConcurrencyOptions{Read: 2, Write: 2, Admin: 1, Wait: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	h := server.New(svc, server.Options{Limiter: lim})
	st.armed = true

	const burst = 24
	statuses := make([]chan int, burst)
	post := func(n int) {
		statuses[n] = make(chan int, 1)
		go func() {
			body := fmt.Sprintf(`[{"user_id":"u%d","item_id":"i0","type":"click"}]`, n)
			req := httptest.NewRequest("POST", "/v1/events", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			statuses[n] <- w.Code
		}()
	}
	post(0)
	<-st.entered // the first commit is held; the rest of the burst queues behind it
	for n := 1; n < burst; n++ {
		post(n)
		// Each write is either queued (its slot back: none in flight) or answered before the
		// next is sent; a write holding its slot is given a bounded while, then the burst
		// goes on, and what it costs shows in the refusals counted below.
		for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			if lim.InFlight(server.RoleWrite) == 0 || len(statuses[n]) > 0 {
				break
			}
		}
	}
	close(st.gate)
	refused := 0
	for n := range statuses {
		switch code := <-statuses[n]; code {
		case http.StatusOK:
		case http.StatusServiceUnavailable:
			refused++
		default:
			t.Errorf("write %d: status %d", n, code)
		}
	}
	if refused != 0 {
		t.Errorf("%d of %d writes refused with 503 during a slow commit, want 0", refused, burst)
	}
	st.mu.Lock()
	stored := st.events
	st.mu.Unlock()
	if stored != burst {
		t.Errorf("stored %d events, want %d", stored, burst)
	}
	if n := lim.InFlight(server.RoleWrite); n != 0 {
		t.Errorf("write slots in flight after the burst: %d, want 0", n)
	}
}
