package service

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/index/hnsw"
	"github.com/recd/recd/store"
	"github.com/recd/recd/store/sqlite"
)

// openVersioned opens a service over st with keep versions kept and protect as its
// ProtectedVersions hook.
func openVersioned(t *testing.T, st store.Store, keep int, protect func() []string) *Service {
	t.Helper()
	idx, err := hnsw.New(hnsw.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	o := DefaultOptions()
	o.Index, o.KeepVersions, o.ProtectedVersions = idx, keep, protect
	s, err := New(t.Context(), st, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func openSQLite(t *testing.T, db string) store.Store {
	t.Helper()
	st, err := sqlite.Open(db, sqlite.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func seedCatalog(t *testing.T, s *Service) {
	t.Helper()
	ctx := t.Context()
	if err := s.PutItems(ctx, []recd.Item{{ID: "x", Available: true}, {ID: "y", Available: true}, {ID: "z", Available: true}}); err != nil {
		t.Fatal(err)
	}
	addEvent(t, s, "u", "x")
}

func addEvent(t *testing.T, s *Service, user, item string) {
	t.Helper()
	if _, err := s.AddEvents(t.Context(), []recd.Event{{UserID: user, ItemID: item, Type: "view"}}); err != nil {
		t.Fatal(err)
	}
}

func savedVersions(t *testing.T, st store.Store) []string {
	t.Helper()
	arts, err := st.ListArtifacts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range arts {
		out = append(out, a.Version)
	}
	return out
}

func mustTrain(t *testing.T, train func(context.Context) (ModelInfo, error)) ModelInfo {
	t.Helper()
	info, err := train(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func TestService_Train_SkipsWhenNothingChanged(t *testing.T) {
	st := openSQLite(t, filepath.Join(t.TempDir(), "s.db"))
	s := openVersioned(t, st, 10, nil)
	seedCatalog(t, s)
	first := mustTrain(t, s.Train)
	if first.Skipped {
		t.Fatal("the first run was skipped")
	}
	again := mustTrain(t, s.Train)
	if !again.Skipped || again.Version != first.Version || again.Reason == "" {
		t.Errorf("second run without changes = %+v, want skipped with a reason, version %s", again, first.Version)
	}
	if got := savedVersions(t, st); len(got) != 1 {
		t.Errorf("versions after training twice without new events = %v, want one", got)
	}
	forced := mustTrain(t, s.TrainForced)
	if forced.Skipped || forced.Version == first.Version {
		t.Errorf("forced run = %+v, want a new version", forced)
	}
	if got := savedVersions(t, st); len(got) != 2 {
		t.Errorf("versions after a forced run = %v, want two", got)
	}
	addEvent(t, s, "v", "y")
	if info := mustTrain(t, s.Train); info.Skipped {
		t.Error("a run after a new event was skipped")
	}
	if err := s.PutItems(t.Context(), []recd.Item{{ID: "x", Title: "retitled", Available: true}}); err != nil {
		t.Fatal(err)
	}
	if info := mustTrain(t, s.Train); info.Skipped {
		t.Error("a run after a catalog change was skipped")
	}
	if got := savedVersions(t, st); len(got) != 4 {
		t.Errorf("versions = %v, want four", got)
	}
}

func TestService_Train_PrunesToKeepVersions(t *testing.T) {
	st := openSQLite(t, filepath.Join(t.TempDir(), "s.db"))
	var pinned atomic.Value
	pinned.Store("")
	s := openVersioned(t, st, 2, func() []string { return []string{pinned.Load().(string)} })
	seedCatalog(t, s)
	var trained []string
	for range 5 {
		trained = append(trained, mustTrain(t, s.TrainForced).Version)
		if len(trained) == 1 {
			pinned.Store(trained[0]) // an experiment pins the first version
		}
	}
	want := []string{trained[4], trained[3], trained[0]}
	if got := savedVersions(t, st); !equalStrings(got, want) {
		t.Errorf("versions after 5 runs keeping 2 = %v, want the 2 newest and the pinned one %v", got, want)
	}
	pinned.Store("")
	mustTrain(t, s.TrainForced)
	if got := savedVersions(t, st); len(got) != 2 {
		t.Errorf("versions once unpinned = %v, want 2", got)
	}
}

// TestTrainer_prune_KeepsServedVersion: a replica serving an old version (another process
// trained the newer ones) never prunes it, even though it is older than every kept version.
func TestTrainer_prune_KeepsServedVersion(t *testing.T) {
	db := filepath.Join(t.TempDir(), "shared.db")
	stA, stB := openSQLite(t, db), openSQLite(t, db)
	a := openVersioned(t, stA, 10, nil)
	seedCatalog(t, a)
	old := mustTrain(t, a.TrainForced).Version
	b := openVersioned(t, stB, 2, nil) // loads old at start; follows nothing after
	if got := b.snap.Load().info.Version; got != old {
		t.Fatalf("b serves %s, want %s", got, old)
	}
	for range 3 {
		mustTrain(t, a.TrainForced)
	}
	b.trainer.prune(t.Context())
	got := savedVersions(t, stB)
	if len(got) != 3 || got[2] != old {
		t.Errorf("versions after b pruned to 2 = %v, want the 2 newest and b's served %s", got, old)
	}
}

// countingStore counts the calls that read an artifact's blob.
type countingStore struct {
	store.Store
	blobReads atomic.Int64
}

func (c *countingStore) LoadArtifact(ctx context.Context, v string) (store.Artifact, error) {
	c.blobReads.Add(1)
	return c.Store.LoadArtifact(ctx, v)
}

func (c *countingStore) LatestArtifact(ctx context.Context, kind string) (store.Artifact, error) {
	c.blobReads.Add(1)
	return c.Store.LatestArtifact(ctx, kind)
}

func TestService_Models_ReadsNoArtifact(t *testing.T) {
	cs := &countingStore{Store: openSQLite(t, filepath.Join(t.TempDir(), "s.db"))}
	s := openVersioned(t, cs, 10, nil)
	seedCatalog(t, s)
	mustTrain(t, s.TrainForced)
	mustTrain(t, s.TrainForced)
	cs.blobReads.Store(0)
	ms, err := s.Models(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || !ms[0].Serving || ms[0].Size == 0 {
		t.Errorf("Models = %+v, want 2 versions, the newest serving, with sizes", ms)
	}
	if n := cs.blobReads.Load(); n != 0 {
		t.Errorf("Models read %d artifacts, want none (metadata only)", n)
	}
}

// staleListStore lists one extra version, newer than all, that is already gone: as if the
// publisher pruned it between a follower's listing and its load.
type staleListStore struct {
	store.Store
	gone  store.Artifact
	stale atomic.Bool
}

func (s *staleListStore) ListArtifacts(ctx context.Context) ([]store.Artifact, error) {
	list, err := s.Store.ListArtifacts(ctx)
	if err != nil || !s.stale.CompareAndSwap(true, false) {
		return list, err
	}
	return append([]store.Artifact{s.gone}, list...), nil
}

func TestFollower_followModel_PrunedVersionLoadsNewest(t *testing.T) {
	db := filepath.Join(t.TempDir(), "shared.db")
	a := openVersioned(t, openSQLite(t, db), 10, nil)
	seedCatalog(t, a)
	mustTrain(t, a.TrainForced)
	b := openVersioned(t, openSQLite(t, db), 10, nil)
	newest := mustTrain(t, a.TrainForced)
	ss := &staleListStore{Store: b.follower.st,
		gone: store.Artifact{Version: "pruned", Kind: artifactKind, Created: time.Now().Add(time.Hour)}}
	ss.stale.Store(true)
	b.follower.st = ss
	b.follower.mu.Lock()
	err := b.follower.followModel(t.Context())
	b.follower.mu.Unlock()
	if err != nil {
		t.Fatalf("followModel with a pruned version listed: %v", err)
	}
	if got := b.snap.Load().info.Version; got != newest.Version {
		t.Errorf("b serves %s, want the newest %s", got, newest.Version)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
