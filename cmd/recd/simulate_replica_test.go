package main

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/recd/recd"
	recdclient "github.com/recd/recd/client"
	"github.com/recd/recd/dataset"
	"github.com/recd/recd/examples"
	"github.com/recd/recd/sim"
)

// TestSimulate_ReplicasAgreeWithOneServer runs one seeded simulation through one replica and
// again, on fresh servers trained the same way, through two replicas over PostgreSQL and
// Redis, each user's requests alternating between them and each list's clicks sent to the
// other replica. Both runs must assign every user the same variant, both
// replicas must hold every click with the list and position it was sent with, and the report
// must count exactly what the simulator saw.
func TestSimulate_ReplicasAgreeWithOneServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two replicas and trains on MovieLens")
	}
	addr := os.Getenv("RECD_TEST_REDIS_ADDR")
	if addr == "" {
		t.Skip("RECD_TEST_REDIS_ADDR is not set; run eval \"$(scripts/redis-test.sh)\" to start a local Redis")
	}
	split := replicaSplit(t)
	ctx := context.Background()
	c, _ := sim.ParseVariant("popular", 50)
	h, _ := sim.ParseVariant("hybrid", 50)
	design := sim.Design{Kind: "ab", Control: c, Treatment: h}
	// Each run gets servers of its own, fresh and trained the same way, so nothing the first
	// run left (exposure and trending counters, impressions) shapes the second's lists.
	run := func(n int) ([]*proc, *sim.Outcome) {
		ps := trainedReplicas(t, addr, split, n)
		o := sim.DefaultOptions()
		// With two replicas each list's clicks go at once to the replica that did not serve it,
		// before that one has flushed the list: it waits for the list rather than refusing it.
		o.CrossClicks = n > 1
		d := &sim.Driver{Split: split, Reset: true, Opts: o,
			Settle:      func(ctx context.Context, seq int64) error { return followed(t, ps, seq) },
			Propagation: replicaPropagation}
		for _, p := range ps {
			d.URLs = append(d.URLs, p.base)
		}
		out, err := d.Run(ctx, design, 40, 4, nil)
		if err != nil {
			t.Fatalf("%d replicas: %v\nlogs of the first:\n%s", n, err, ps[0].Logs())
		}
		return ps, out
	}
	_, one := run(1)
	ps, two := run(2)
	a, b := ps[0], ps[1]
	// Assignment is a hash, the same however many replicas serve. The lists themselves are
	// not compared across the two runs: in about one run of three one click in 65 moved,
	// from live state that does not replay exactly between runs (the cause is not pinned
	// down); what two replicas must agree on, every click's attribution and the report, is
	// checked on both below.
	if !maps.Equal(one.Tally.Assignment, two.Tally.Assignment) {
		t.Fatalf("two replicas assigned otherwise than one: %d and %d users", len(one.Tally.Assignment), len(two.Tally.Assignment))
	}
	for _, p := range []*proc{a, b} {
		cl, _ := recdclient.New(p.base)
		if err := sim.CheckAttribution(ctx, cl, two.Tally); err != nil {
			t.Fatalf("%s: %v", p.base, err)
		}
	}
	if two.Report != nil {
		if err := sim.CheckReport(two.Report, two.Tally, false); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d users, %d clicks, report %v", len(two.Tally.Assignment), len(two.Tally.Clicks), two.Report != nil)
}

// trainedReplicas starts n replicas over a fresh PostgreSQL schema and Redis prefix, writes
// the split's training part through the first, trains there and waits until every replica
// serves that model.
func trainedReplicas(t *testing.T, redisAddr string, split *sim.Split, n int) []*proc {
	t.Helper()
	dsn := freshSchema(t, postgresDSN(t))
	// The per-user source cache is off: it lets the replica that served a user's last list
	// reuse that list's candidates after a click, which another replica computes afresh, so
	// with it on two replicas serve (legitimately) other lists than one.
	// A click sent to the replica that did not serve its list waits for the list to reach
	// the store, as long as its id is fresh (the flush interval plus 2 s), which covers a
	// serving replica starved of CPU by the race detector and CI's other packages.
	env := append(replicaEnv(dsn), "RECD_REDIS_ADDR="+redisAddr, "RECD_SOURCES_SIZE=0",
		fmt.Sprintf("RECD_REDIS_PREFIX=recd-sim-%d:", time.Now().UnixNano()))
	ps := make([]*proc, n)
	for i := range ps {
		ps[i] = startReplica(t, env)
	}
	seedSplit(t, ps[0].base, split)
	st, trained, err := send("POST", ps[0].base+"/v1/admin/train", nil)
	if err != nil || st != http.StatusOK {
		t.Fatalf("train through the first replica: %d %v %v", st, trained, err)
	}
	for _, p := range ps[1:] {
		eventually(t, 60*time.Second, "every replica to serve the first's model", func() bool {
			st, body, _ := get(p.base + "/v1/popular?n=3")
			return st == http.StatusOK && body["model_version"] == trained["version"]
		})
	}
	return ps
}

// replicaSplit is a small split (the 400 most-rated movies) so that PostgreSQL takes it fast.
func replicaSplit(t *testing.T) *sim.Split {
	t.Helper()
	data, err := dataset.ReadMovieLensFS(examples.MovieLensSmall())
	if err != nil {
		t.Fatal(err)
	}
	o := sim.DefaultSplitOptions()
	o.MaxItems = 400
	s, err := sim.NewSplit(data, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// seedSplit writes the split's catalog and training part through the API at base.
func seedSplit(t *testing.T, base string, s *sim.Split) {
	t.Helper()
	ctx := context.Background()
	c, err := recdclient.New(base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutItems(ctx, s.Items); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(s.Train); i += 5000 {
		if _, err := c.AddEvents(ctx, append([]recd.Event(nil), s.Train[i:min(i+5000, len(s.Train))]...)); err != nil {
			t.Fatal(err)
		}
	}
}

// followed waits until every replica's follower has applied the store's events up to seq.
func followed(t *testing.T, ps []*proc, seq int64) error {
	for _, p := range ps {
		deadline := time.Now().Add(30 * time.Second)
		for {
			_, body, _ := get(p.base + "/readyz")
			f, _ := body["follower"].(map[string]any)
			if got, _ := f["event_seq"].(float64); int64(got) >= seq {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s did not follow the store to event %d: %v", p.base, seq, f)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return nil
}
