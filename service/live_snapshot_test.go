package service

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/store"
)

// TestLiveSnapshots_StartMatchesFullScan saves the live state, stores more events (new
// users, new items, more events on held items, sessions), and starts again: the start from
// the snapshot and the events after it holds exactly what a start scanning every event holds.
func TestLiveSnapshots_StartMatchesFullScan(t *testing.T) {
	dir := t.TempDir()
	st := snapStore(t, dir)
	path := filepath.Join(dir, "live.snapshot")
	fillStore(t, st, 1, 6000, 40, 300)
	first, ls, from := startMem(t, st, path)
	if from != "scan" {
		t.Fatalf("first start from %s, want scan (no file yet)", from)
	}
	if wrote, err := ls.save(first); err != nil || !wrote {
		t.Fatalf("save = %v, %v; want a file written", wrote, err)
	}
	if wrote, err := ls.save(first); err != nil || wrote {
		t.Fatalf("second save of the same state = %v, %v; want skipped", wrote, err)
	}
	// Later events: the same seed's users and items and more of both.
	fillStore(t, st, 2, 3000, 60, 400)
	got, _, from := startMem(t, st, path)
	if from != "snapshot" {
		t.Fatalf("second start from %s, want snapshot", from)
	}
	want, _, _ := startMem(t, st, "")
	sameLiveState(t, got, want)
}

// TestLiveSnapshots_FallsBack covers every reason not to use a snapshot: each start scans
// the store instead, says why, and holds exactly what a full scan holds.
func TestLiveSnapshots_FallsBack(t *testing.T) {
	cases := []struct {
		name, reason string
		spoil        func(t *testing.T, st *snapCase)
	}{
		{"missing", "no snapshot file", func(t *testing.T, c *snapCase) { os.Remove(c.path) }},
		{"corrupt", "checksum", func(t *testing.T, c *snapCase) { corrupt(t, c.path, c.size()/2) }},
		{"truncated", "corrupt", func(t *testing.T, c *snapCase) { os.Truncate(c.path, c.size()-100) }},
		{"garbage", "not a live snapshot", func(t *testing.T, c *snapCase) { os.WriteFile(c.path, []byte("hello, this is not a snapshot"), 0o644) }},
		{"version", "format version", func(t *testing.T, c *snapCase) { corrupt(t, c.path, 8) }},
		{"store", "another store", func(t *testing.T, c *snapCase) {
			other := snapStore(t, t.TempDir()) // the same events, another database
			fillStore(t, other, 1, 6000, 40, 300)
			c.st = other
		}},
		{"weights", "event weights", func(t *testing.T, c *snapCase) { c.weights = true }},
		{"deleted user", "deleted since", func(t *testing.T, c *snapCase) {
			if err := c.st.DeleteUser(context.Background(), "u3"); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			c := &snapCase{st: snapStore(t, dir), path: filepath.Join(dir, "live.snapshot")}
			fillStore(t, c.st, 1, 6000, 40, 300)
			mem, ls, _ := startMem(t, c.st, c.path)
			if _, err := ls.save(mem); err != nil {
				t.Fatal(err)
			}
			tc.spoil(t, c)
			tweak := func(o *Options) {
				if c.weights {
					o.Weights.ByType = map[string]float64{recd.EventClick: 2}
				}
			}
			_, probe, _ := startMem(t, c.st, "", tweak) // learns the identity without a file
			probe.path = c.path
			id, schema, _ := probe.els.StoreIdentity(context.Background())
			probe.storeID, probe.schema = id, schema
			h, _, reason, err := probe.read(context.Background())
			if err != nil || h != nil || !strings.Contains(reason, tc.reason) {
				t.Fatalf("read = %v, %q, %v; want no histories and a reason naming %q", h != nil, reason, err, tc.reason)
			}
			got, _, from := startMem(t, c.st, c.path, tweak)
			if from != "scan" {
				t.Fatalf("started from %s, want scan", from)
			}
			want, _, _ := startMem(t, c.st, "", tweak)
			sameLiveState(t, got, want)
			if tc.name == "deleted user" && got.History("u3") != nil {
				t.Error("u3, deleted while down, is back")
			}
		})
	}
}

type snapCase struct {
	st      store.Store
	path    string
	weights bool
}

func (c *snapCase) size() int64 {
	fi, err := os.Stat(c.path)
	if err != nil {
		panic(fmt.Sprint(err))
	}
	return fi.Size()
}

// TestLiveSnapshots_DeletedWhileUp erases a user from a running state and the store, saves,
// and starts again: the snapshot is used (it counted the events without the user's) and the
// user stays gone.
func TestLiveSnapshots_DeletedWhileUp(t *testing.T) {
	dir := t.TempDir()
	st := snapStore(t, dir)
	path := filepath.Join(dir, "live.snapshot")
	fillStore(t, st, 1, 6000, 40, 300)
	mem, ls, _ := startMem(t, st, path)
	if err := st.DeleteUser(context.Background(), "u5"); err != nil {
		t.Fatal(err)
	}
	mem.forgetUser(context.Background(), &erasure{user: "u5"})
	if _, err := ls.save(mem); err != nil {
		t.Fatal(err)
	}
	got, _, from := startMem(t, st, path)
	if from != "snapshot" {
		t.Fatalf("started from %s, want snapshot", from)
	}
	if got.History("u5") != nil {
		t.Error("u5, deleted before the save, is back")
	}
	want, _, _ := startMem(t, st, "")
	if g, w := got.stats(), want.stats(); g != w {
		t.Errorf("stats %+v, want %+v", g, w)
	}
}
