package main

import (
	"context"
	"fmt"
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
// again, with the users reset, through two replicas over PostgreSQL and Redis, each user's
// requests alternating between them (a list from one, its clicks to the other). Both runs must
// see the same assignment, lists and clicks (and, with experiment routes, the same report),
// and both replicas must hold every click with the list and position it was sent with.
func TestSimulate_ReplicasAgreeWithOneServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two replicas and trains on MovieLens")
	}
	addr := os.Getenv("RECD_TEST_REDIS_ADDR")
	if addr == "" {
		t.Skip("RECD_TEST_REDIS_ADDR is not set; run eval \"$(scripts/redis-test.sh)\" to start a local Redis")
	}
	dsn := freshSchema(t, postgresDSN(t))
	// The per-user source cache is off: it lets the replica that served a user's last list
	// reuse that list's candidates after a click, which another replica computes afresh, so
	// with it on two replicas serve (legitimately) other lists than one.
	env := append(replicaEnv(dsn), "RECD_REDIS_ADDR="+addr, "RECD_SOURCES_SIZE=0",
		fmt.Sprintf("RECD_REDIS_PREFIX=recd-sim-%d:", time.Now().UnixNano()))
	a, b := startReplica(t, env), startReplica(t, env)
	ctx := context.Background()
	split := replicaSplit(t)
	seedSplit(t, a.base, split)
	st, trained, err := send("POST", a.base+"/v1/admin/train", nil)
	if err != nil || st != http.StatusOK {
		t.Fatalf("train through a: %d %v %v", st, trained, err)
	}
	eventually(t, 60*time.Second, "b to serve a's model", func() bool {
		st, body, _ := get(b.base + "/v1/popular?n=3")
		return st == http.StatusOK && body["model_version"] == trained["version"]
	})
	d := &sim.Driver{Split: split, URLs: []string{a.base}, Reset: true, Opts: sim.DefaultOptions(),
		Settle:      func(ctx context.Context, seq int64) error { return followed(t, []*proc{a, b}, seq) },
		Propagation: replicaPropagation}
	c, _ := sim.ParseVariant("popular", 50)
	h, _ := sim.ParseVariant("hybrid", 50)
	design := sim.Design{Kind: "ab", Control: c, Treatment: h}
	one, err := d.Run(ctx, design, 40, 4, nil)
	if err != nil {
		t.Fatalf("one replica: %v\nlogs of a:\n%s", err, a.Logs())
	}
	d.URLs = []string{a.base, b.base}
	two, err := d.Run(ctx, design, 40, 4, nil)
	if err != nil {
		t.Fatalf("two replicas: %v", err)
	}
	if err := sim.SameOutcome(one, two); err != nil {
		t.Fatalf("two replicas saw otherwise than one: %v", err)
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
