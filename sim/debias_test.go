package sim_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/recd/recd/index/hnsw"
	"github.com/recd/recd/internal/racetest"
	"github.com/recd/recd/server"
	"github.com/recd/recd/service"
	"github.com/recd/recd/sim"
	"github.com/recd/recd/store/sqlite"
)

// openOver opens a service over the SQLite file db with its own in-memory index; closing
// the service closes the store.
func openOver(t *testing.T, db string, tweak func(*service.Options)) *service.Service {
	t.Helper()
	st, err := sqlite.Open(db, sqlite.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	ix, err := hnsw.New(hnsw.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	o := service.DefaultOptions()
	o.Index = ix
	tweak(&o)
	svc, err := service.New(context.Background(), st, o)
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close(); st.Close() })
	return svc
}

// The debiasing simulation runs end to end on a small seeded run: the logging phase's lists
// are logged and clicked, both versions are trained from them, and in the experiment each
// pinned variant is served by its own version (never the fallback) and the blend variant by
// the blend, with every user in the report.
func TestDebias_Run(t *testing.T) {
	if racetest.Enabled {
		t.Skip(racetest.TrainMsg)
	}
	sp := testSplit(t)
	db := filepath.Join(t.TempDir(), "recd.db")
	svc := openOver(t, db, func(o *service.Options) { o.Ranker.LogFeatures, o.Rank.Rotation = 1, 0.5 })
	seed(t, svc, sp)
	bg, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); svc.RunFeedback(bg) }()
	t.Cleanup(func() { cancel(); <-done })
	hs := httptest.NewServer(server.New(svc, server.DefaultOptions()))
	t.Cleanup(hs.Close)
	groups := map[bool]int{}
	d := &sim.Debias{Split: sp, URL: hs.URL, Flush: svc.FlushImpressions, Opts: sim.DefaultOptions(),
		Retrain: func(ctx context.Context, debias bool) (string, error) {
			tr := openOver(t, db, func(o *service.Options) {
				o.Ranker.Labels, o.Ranker.Debias, o.Ranker.Ungated = service.LabelsOnline, debias, true
			})
			start := time.Now()
			info, err := tr.TrainForced(ctx)
			t.Logf("trained %s (debias %v) in %v", info.Version, debias, time.Since(start))
			if info.Ranker != nil {
				groups[debias] = info.Ranker.TrainGroups
			}
			return info.Version, err
		}}
	d.Opts.Users, d.Opts.Visits, d.Opts.Seed = 40, 4, 3
	out, err := d.Run(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if groups[true] == 0 || groups[true] != groups[false] {
		t.Errorf("training lists %v: want the same logged lists, some, for both versions", groups)
	}
	if out.Debiased == out.Raw || out.Debiased == "" {
		t.Fatalf("versions %q and %q", out.Debiased, out.Raw)
	}
	claims := map[string]func(served string) bool{
		sim.VariantDebiased: func(s string) bool {
			return strings.HasPrefix(s, out.Debiased+"/") && !strings.HasSuffix(s, "/fallback")
		},
		sim.VariantRaw:   func(s string) bool { return strings.HasPrefix(s, out.Raw+"/") && !strings.HasSuffix(s, "/fallback") },
		sim.VariantBlend: func(s string) bool { return strings.HasSuffix(s, "/blend") },
	}
	users := 0
	for name, ok := range claims {
		vt := out.Tally.Variants[name]
		if vt == nil || len(vt.Served) == 0 {
			t.Fatalf("variant %s served no list (%v)", name, out.Tally.Names())
		}
		for s, n := range vt.Served {
			if !ok(s) {
				t.Errorf("variant %s: %d lists served by %s", name, n, s)
			}
		}
		rv := sim.ReportVariant(out.Report, name)
		if rv == nil || rv.Users != vt.Users {
			t.Errorf("variant %s: report %+v, simulator %d users", name, rv, vt.Users)
		}
		users += vt.Users
	}
	if users != d.Opts.Users || len(out.Logged.Assignment) != d.Opts.Users {
		t.Errorf("%d users in the experiment, %d logged; want %d each", users, len(out.Logged.Assignment), d.Opts.Users)
	}
}
