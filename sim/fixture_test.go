package sim_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/dataset"
	"github.com/recd/recd/examples"
	"github.com/recd/recd/index/hnsw"
	"github.com/recd/recd/internal/racetest"
	"github.com/recd/recd/server"
	"github.com/recd/recd/service"
	"github.com/recd/recd/sim"
	"github.com/recd/recd/store/sqlite"
)

// testSplit is the split every test of this package uses: the 1500 most-rated movies, so that
// a server trains in seconds (200 under the race detector, which slows training tenfold).
func testSplit(t testing.TB) *sim.Split {
	t.Helper()
	splitOnce.Do(func() {
		var data *dataset.Data
		data, splitErr = dataset.ReadMovieLensFS(examples.MovieLensSmall())
		if splitErr != nil {
			return
		}
		o := sim.DefaultSplitOptions()
		o.MaxItems = 1500
		if racetest.Enabled {
			o.MaxItems = 200
		}
		split, splitErr = sim.NewSplit(data, o)
	})
	if splitErr != nil {
		t.Fatal(splitErr)
	}
	return split
}

var (
	splitOnce sync.Once
	split     *sim.Split
	splitErr  error
)

// sharedServer is one live server over the test split for the tests that reset their users
// before each run (sim.Driver.Reset), so that they need not train one each. TestMain stops it.
func sharedServer(t testing.TB) string {
	t.Helper()
	sharedOnce.Do(func() {
		st := &stopper{}
		sharedURL, sharedErr = st.start(testSplit(t))
		stopShared = st.stop
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return sharedURL
}

var (
	sharedOnce sync.Once
	sharedURL  string
	sharedErr  error
	stopShared = func() {}
)

func TestMain(m *testing.M) {
	code := m.Run()
	stopShared()
	os.Exit(code)
}

// stopper runs the cleanups of a server started outside a test, last first.
type stopper struct{ fns []func() }

func (s *stopper) Cleanup(f func()) { s.fns = append(s.fns, f) }
func (s *stopper) stop() {
	for i := len(s.fns) - 1; i >= 0; i-- {
		s.fns[i]()
	}
}

func (s *stopper) start(sp *sim.Split) (url string, err error) {
	dir, err := os.MkdirTemp("", "recd-sim-test-")
	if err != nil {
		return "", err
	}
	s.Cleanup(func() { os.RemoveAll(dir) })
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("start the shared server: %v", r)
		}
	}()
	return serveSplit(fatalf{}, s, dir, sp), nil
}

// fatalf panics, for helpers run outside a test (recovered by stopper.start).
type fatalf struct{}

func (fatalf) Helper()           {}
func (fatalf) Fatal(args ...any) { panic(fmt.Sprint(args...)) }

// liveServer serves a service trained on the split's training part over loopback HTTP, with
// authentication off, and returns its URL.
func liveServer(t testing.TB, s *sim.Split) string {
	t.Helper()
	return serveSplit(t, t, t.TempDir(), s)
}

// tb and cleaner are the parts of testing.TB the server helpers use, so that TestMain's
// shared server can use them too.
type (
	tb interface {
		Helper()
		Fatal(args ...any)
	}
	cleaner interface{ Cleanup(func()) }
)

func serveSplit(t tb, c cleaner, dir string, s *sim.Split) string {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(dir, "recd.db"), sqlite.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	c.Cleanup(func() { st.Close() })
	ix, err := hnsw.New(hnsw.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	o := service.DefaultOptions()
	o.Index = ix
	svc, err := service.New(ctx, st, o)
	if err != nil {
		t.Fatal(err)
	}
	c.Cleanup(func() { svc.Close() })
	seed(t, svc, s)
	bg, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); svc.RunFeedback(bg) }()
	c.Cleanup(func() { cancel(); <-done })
	hs := httptest.NewServer(server.New(svc, server.DefaultOptions()))
	c.Cleanup(hs.Close)
	return hs.URL
}

// seed writes the split's catalog and training part and trains once.
func seed(t tb, svc *service.Service, s *sim.Split) {
	t.Helper()
	ctx := context.Background()
	if err := svc.PutItems(ctx, s.Items); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(s.Train); i += 10000 {
		batch := append([]recd.Event(nil), s.Train[i:min(i+10000, len(s.Train))]...)
		if _, err := svc.AddEvents(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.Train(ctx); err != nil {
		t.Fatal(err)
	}
}
