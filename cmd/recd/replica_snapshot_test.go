package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startReplicaIn is startReplica over a given data dir, so that a replica can be restarted
// over what it left; stop stops it with SIGTERM (a clean shutdown).
func startReplicaIn(t *testing.T, env []string, dir string) (p *proc, stop func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p = &proc{base: "http://" + addr}
	p.cmd = exec.Command(os.Args[0], "-test.run=^$")
	p.cmd.Env = append(append(os.Environ(), "RECD_TEST_MAIN=1", "RECD_AUTH_ENABLED=false",
		"RECD_TEST_ARGS=serve --addr "+addr+" --data-dir "+dir+" --log-level info"), env...)
	p.cmd.Stdout, p.cmd.Stderr = p, p
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
			_ = p.cmd.Wait()
		}
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("logs of %s:\n%s", p.base, p.Logs())
		}
	})
	eventually(t, 60*time.Second, "the server to answer /healthz", func() bool {
		st, _, _ := get(p.base + "/healthz")
		return st == http.StatusOK
	})
	return p, stop
}

// readyEvents is a replica's event count from /readyz (-1 when it does not answer).
func readyEvents(p *proc) float64 {
	st, ready, _ := get(p.base + "/readyz")
	if st != http.StatusOK {
		return -1
	}
	stats, _ := ready["stats"].(map[string]any)
	n, _ := stats["events"].(float64)
	return n
}

// TestReplicas_RestartFromLiveSnapshot restarts a replica that follows PostgreSQL over its
// data dir: it starts from the snapshot it saved at shutdown plus the events written through
// the other replica meanwhile, and agrees with that replica; after a user is deleted while it
// is down, it scans the store instead and the user stays gone. A new replica seeded with a
// copy of b's snapshot starts from it as b does, and one with an empty data dir from the
// copy b published to the store at its shutdown, unless that copy is spoilt.
func TestReplicas_RestartFromLiveSnapshot(t *testing.T) {
	dsn := freshSchema(t, postgresDSN(t))
	env := replicaEnv(dsn)
	a := startReplica(t, env)
	dirB := t.TempDir()
	b, stopB := startReplicaIn(t, env, dirB)
	seedWorld(t, a.base)
	if st, body, err := send("POST", a.base+"/v1/admin/train", nil); err != nil || st != http.StatusOK {
		t.Fatalf("train through a: %d %v %v", st, body, err)
	}
	eventually(t, 30*time.Second, "b to follow a's 600 events", func() bool { return readyEvents(b) == 600 })
	stopB()
	if _, err := os.Stat(filepath.Join(dirB, "live.snapshot")); err != nil {
		t.Fatalf("b left no snapshot: %v", err)
	}
	if logs := b.Logs(); !strings.Contains(logs, "published the live snapshot to the store") {
		t.Fatalf("b did not publish its snapshot to the store, which held none:\n%s", logs)
	}
	// A new replica's empty data dir seeded with a copy of b's snapshot starts from it too:
	// the store, not the replica, is what a snapshot is checked against.
	dirC := t.TempDir()
	if snap, err := os.ReadFile(filepath.Join(dirB, "live.snapshot")); err != nil {
		t.Fatal(err)
	} else if err := os.WriteFile(filepath.Join(dirC, "live.snapshot"), snap, 0o644); err != nil {
		t.Fatal(err)
	}

	var more []map[string]any // while b is down: new users, and more events of old ones
	for k := range 40 {
		more = append(more, map[string]any{"user_id": fmt.Sprintf("p%02d", (k*7)%70), "item_id": fmt.Sprintf("m%03d", (k*13)%120), "type": "click"})
	}
	if st, body, err := send("POST", a.base+"/v1/events", more); err != nil || st != http.StatusOK {
		t.Fatalf("events through a: %d %v %v", st, body, err)
	}
	b, stopB = startReplicaIn(t, env, dirB)
	eventually(t, 30*time.Second, "b to hold a's 640 events", func() bool { return readyEvents(b) == 640 })
	if logs := b.Logs(); !strings.Contains(logs, "live state from snapshot") || !strings.Contains(logs, "events_after=40") {
		t.Fatalf("b did not start from its snapshot and the 40 events after it:\n%s", logs)
	}
	c, stopC := startReplicaIn(t, env, dirC)
	eventually(t, 30*time.Second, "c to hold a's 640 events", func() bool { return readyEvents(c) == 640 })
	if logs := c.Logs(); !strings.Contains(logs, "live state from snapshot") || !strings.Contains(logs, "events_after=40") {
		t.Fatalf("c did not start from the copy of b's snapshot and the 40 events after it:\n%s", logs)
	}
	stopC()
	// A new replica with an empty data dir fetches the snapshot b published to the store.
	d, stopD := startReplicaIn(t, env, t.TempDir())
	eventually(t, 30*time.Second, "d to hold a's 640 events", func() bool { return readyEvents(d) == 640 })
	if logs := d.Logs(); !strings.Contains(logs, "fetched the shared live snapshot from the store") ||
		!strings.Contains(logs, "live state from snapshot") || !strings.Contains(logs, "events_after=40") {
		t.Fatalf("d did not start from the store's shared snapshot and the 40 events after it:\n%s", logs)
	}
	_, td, _ := get(d.base + "/v1/trending?n=20")
	stopD()
	// A spoilt shared copy is refused as a spoilt file is: the next new replica scans.
	adminExec(t, dsn, `UPDATE live_snapshot_parts SET data = set_byte(data, 100, (get_byte(data, 100) + 1) % 256) WHERE part = 0`)
	e, stopE := startReplicaIn(t, env, t.TempDir())
	eventually(t, 30*time.Second, "e to hold a's 640 events", func() bool { return readyEvents(e) == 640 })
	if logs := e.Logs(); !strings.Contains(logs, "live snapshot not used") || !strings.Contains(logs, "the store's shared snapshot: ") {
		t.Fatalf("e used a spoilt shared snapshot, or did not say why not:\n%s", logs)
	}
	stopE()
	_, ta, _ := get(a.base + "/v1/trending?n=20")
	_, tb, _ := get(b.base + "/v1/trending?n=20")
	if ia, ib := itemIDs(ta), itemIDs(tb); len(ia) == 0 || !slices.Equal(ia, ib) {
		t.Errorf("trending on b %v, on a %v", ib, ia)
	}
	if ia, id := itemIDs(ta), itemIDs(td); !slices.Equal(ia, id) {
		t.Errorf("trending on d %v, on a %v", id, ia)
	}

	if st, body, _ := get(b.base + "/v1/users/p07/recommendations?n=3"); st != http.StatusOK || body["strategy"] == "popularity" {
		t.Fatalf("b's list for p07 before the delete: %d, strategy %v; want one from p07's history", st, body["strategy"])
	}
	stopB()
	if st, body, err := send("DELETE", a.base+"/v1/users/p07", nil); err != nil || st/100 != 2 {
		t.Fatalf("delete p07 through a: %d %v %v", st, body, err)
	}
	want := readyEvents(a)
	b, _ = startReplicaIn(t, env, dirB)
	eventually(t, 30*time.Second, "b to hold a's events without p07's", func() bool { return readyEvents(b) == want })
	if logs := b.Logs(); !strings.Contains(logs, "events were deleted since") {
		t.Fatalf("b used a snapshot that counts p07's deleted events:\n%s", logs)
	}
	if st, body, _ := get(b.base + "/v1/users/p07/recommendations?n=3"); st != http.StatusOK || body["strategy"] != "popularity" {
		t.Errorf("b's list for p07, deleted while it was down: %d, strategy %v; want a list for a user without history", st, body["strategy"])
	}
}

// TestImport_PostgresPublishesSnapshot: `recd import` into PostgreSQL publishes the live
// snapshot it saves, so the first replica of a deployment, with an empty data dir, starts
// from it and does not scan the store's events.
func TestImport_PostgresPublishesSnapshot(t *testing.T) {
	dsn := freshSchema(t, postgresDSN(t))
	env := replicaEnv(dsn)
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	ctx := t.Context()
	gen := filepath.Join(t.TempDir(), "gen")
	if err := runGenerate(ctx, []string{"--events", "3000", "--out", gen, "--no-progress"}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	var out, errs bytes.Buffer
	if err := runImport(ctx, []string{"--data-dir", data, "--no-progress", "--log-level", "info", gen}, &out, &errs); err != nil {
		t.Fatalf("import: %v\n%s", err, errs.String())
	}
	if !strings.Contains(errs.String(), "published the live snapshot to the store") {
		t.Fatalf("the import did not publish its live snapshot:\n%s", errs.String())
	}
	errs.Reset()
	if err := runTrain(ctx, []string{"--data-dir", data, "--no-progress", "--log-level", "info"}, &out, &errs); err != nil {
		t.Fatalf("train: %v\n%s", err, errs.String())
	}
	r, stop := startReplicaIn(t, env, t.TempDir())
	defer stop()
	eventually(t, 30*time.Second, "the replica to hold the 3,000 imported events", func() bool { return readyEvents(r) == 3000 })
	if logs := r.Logs(); !strings.Contains(logs, "fetched the shared live snapshot from the store") ||
		!strings.Contains(logs, "events_after=0") {
		t.Fatalf("the first replica did not start from the import's snapshot:\n%s", logs)
	}
}
