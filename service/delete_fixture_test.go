package service

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/index/hnsw"
	"github.com/recd/recd/oip"
	"github.com/recd/recd/oip/oiptest"
	"github.com/recd/recd/store/sqlite"
	"github.com/redis/go-redis/v9"
)

// victimItems are items only the deleted user touches, so every count they have is theirs.
var victimItems = []string{"vx0", "vx1", "vx2", "vx3"}

// openTrained opens a service over the SQLite file at db (shared by replicas opened on the
// same file) with small models, loads 40 items in 4 genres, the victim's items and 20 users'
// seeded events, and trains. rc, when set, is the Redis shared state under prefix.
func openTrained(t *testing.T, db string, rc redis.UniversalClient, prefix string, with ...func(*Options)) *Service {
	t.Helper()
	ctx := t.Context()
	st, err := sqlite.Open(db, sqlite.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	idx, err := hnsw.New(hnsw.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	o := DefaultOptions()
	o.Index, o.ALS.Factors, o.ALS.Iterations, o.LSA.Dim = idx, 8, 3, 8
	o.Redis, o.RedisPrefix = rc, prefix
	for _, f := range with {
		f(&o)
	}
	s, err := New(ctx, st, o)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := st.CountItems(ctx); n > 0 {
		return s // a second replica on a store the first one filled
	}
	genres := []string{"Comedy", "Drama", "Horror", "Action"}
	var items []recd.Item
	for i := range 40 {
		g := genres[i%4]
		items = append(items, recd.Item{ID: fmt.Sprintf("i%02d", i), Title: fmt.Sprintf("%s film %d", g, i),
			Text: "a " + g + " story", Categories: []string{g}, Available: true})
	}
	for _, id := range victimItems {
		items = append(items, recd.Item{ID: id, Title: "victim " + id, Text: "a Comedy story", Categories: []string{"Comedy"},
			Available: true})
	}
	rng := rand.New(rand.NewPCG(5, 9))
	var evs []recd.Event
	base := time.Now().Add(-time.Hour).UTC()
	for u := range 20 {
		for k := range 8 {
			evs = append(evs, recd.Event{UserID: fmt.Sprintf("u%02d", u), ItemID: items[rng.IntN(10)*4+u%4].ID,
				Type: "view", Timestamp: base.Add(time.Duration(u*8+k) * time.Second)})
		}
	}
	if err := s.PutItems(ctx, items); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Train(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// victimEvents are a batch of the victim's clicks in session "vs": their own items and two
// items others like too.
func victimEvents(user string, k int) []recd.Event {
	now := time.Now().UTC()
	var evs []recd.Event
	for i, id := range []string{victimItems[k%4], victimItems[(k+1)%4], "i00", "i01"} {
		evs = append(evs, recd.Event{UserID: user, SessionID: "vs", ItemID: id, Type: "click",
			Timestamp: now.Add(time.Duration(i) * time.Millisecond)})
	}
	return evs
}

// exposureOf sums the exposure counts of ids.
func exposureOf(s *Service, ids []string) float64 {
	sum := 0.0
	for _, id := range ids {
		sum += s.ExposureCount(id)
	}
	return sum
}

// checkErased checks every structure that could hold the victim.
func checkErased(t *testing.T, s *Service, victim string, exposureBefore float64, allItems []string) {
	t.Helper()
	ctx := t.Context()
	if _, err := s.GetUser(ctx, victim); !errors.Is(err, recd.ErrNotFound) {
		t.Errorf("store: GetUser = %v, want not found", err)
	}
	if evs, _, err := s.UserEvents(ctx, victim, "", 10); err != nil || len(evs) != 0 {
		t.Errorf("store: events %v, %v, want none", evs, err)
	}
	mem := memOf(s)
	mem.mu.RLock()
	h := mem.users.hist[victim]
	ids, _ := mem.users.trending.Top(1000, nil)
	mem.mu.RUnlock()
	if h != nil {
		t.Errorf("histories still hold %s: %+v", victim, h)
	}
	for _, id := range victimItems {
		if slices.Contains(ids, id) {
			t.Errorf("trending still counts %s, which only %s's events fed", id, victim)
		}
	}
	if a := mem.sessions.Recent(victim, 10); len(a) != 0 {
		t.Errorf("sessions: %s still has recent actions %v", victim, a)
	}
	if a := mem.sessions.Recent("session:vs", 10); len(a) != 0 {
		t.Errorf("sessions: %s's session still has recent actions %v", victim, a)
	}
	if got := exposureOf(s, allItems); math.Abs(got-exposureBefore) > 1e-3*exposureBefore+1e-6 {
		t.Errorf("exposure counts sum to %v, want %v as before %s was shown anything", got, exposureBefore, victim)
	}
	if hasCached(mem.cache, victim) {
		t.Errorf("response cache still holds entries of %s", victim)
	}
	if mem.sources.Forget(victim) {
		t.Errorf("source cache still held %s", victim)
	}
	sh := s.read.ledger.shard(victim)
	sh.mu.Lock()
	_, inLedger := sh.users.Peek(victim)
	sh.mu.Unlock()
	if inLedger {
		t.Errorf("impression ledger still holds %s", victim)
	}
	s.read.rot.mu.Lock()
	inRotation := s.read.rot.users.Contains(victim)
	s.read.rot.mu.Unlock()
	if inRotation {
		t.Errorf("rotation counts still hold %s", victim)
	}
	checkImpressionsErased(t, s, victim, allItems)
	if rs, ok := s.live.(*redisState); ok {
		checkRedisErased(t, rs, victim)
	}
}

// checkImpressionsErased checks that no list served to the victim is queued, nor stored once
// the queue is flushed.
func checkImpressionsErased(t *testing.T, s *Service, victim string, allItems []string) {
	t.Helper()
	imp := s.read.imp
	imp.mu.Lock()
	for _, im := range imp.queue {
		if im.UserID == victim {
			t.Errorf("impression queue still holds %s's list %s", victim, im.ID)
		}
	}
	imp.mu.Unlock()
	sh := imp.recent.shard(victim)
	_, ok := sh.users.Peek(victim)
	sh.mu.Unlock()
	if ok {
		t.Errorf("recent lists still hold %s", victim)
	}
	if err := s.FlushImpressions(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, id := range append(slices.Clone(allItems), victimItems...) {
		im, err := imp.st.LatestImpressionOf(t.Context(), victim, id, time.Time{}, time.Now().Add(time.Hour), 0)
		if !errors.Is(err, recd.ErrNotFound) {
			t.Errorf("store still holds %s's impression %s showing %s (err %v)", victim, im.ID, id, err)
		}
	}
}

func memOf(s *Service) *memState {
	if rs, ok := s.live.(*redisState); ok {
		return rs.memState
	}
	return s.live.(*memState)
}

func hasCached(c *respCache, user string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.ContainsFunc(c.lru.Keys(), func(k string) bool { return strings.HasPrefix(k, user+"\x00") })
}

// checkRedisErased checks that no key names the victim or their session, that they are not
// in the active set, and that the shared trending counter does not count their items.
func checkRedisErased(t *testing.T, rs *redisState, victim string) {
	t.Helper()
	ctx := t.Context()
	prefix := rs.st.Options().Prefix
	keys, err := rs.st.Client().Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if strings.HasSuffix(k, ":"+victim) || strings.HasSuffix(k, ":vs") {
			t.Errorf("redis still holds %s", k)
		}
	}
	active, _ := rs.st.ActiveUsers(ctx, time.Time{}, 1000)
	if slices.Contains(active, victim) {
		t.Errorf("redis active set still holds %s", victim)
	}
	ids, _, err := rs.st.Trending(ctx, 1000, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range victimItems {
		if slices.Contains(ids, id) {
			t.Errorf("redis trending still counts %s", id)
		}
	}
}

// withLoggedFeatures ranks every user's list with a remote ranker (a model server double
// scoring by the first feature) and logs the feature rows of every list, so that a user's
// impressions carry logged features whether or not training keeps a local ranker.
func withLoggedFeatures(t *testing.T) func(*Options) {
	srv := oiptest.NewServer("ranker", func(names []string, X []float32, rows int) []float64 {
		out := make([]float64, rows)
		for r := range out {
			out[r] = float64(X[r*len(names)])
		}
		return out
	})
	t.Cleanup(srv.Close)
	client, err := oip.New(srv.URL, "ranker", nil)
	if err != nil {
		t.Fatal(err)
	}
	return func(o *Options) {
		o.Ranker.Backend, o.Ranker.Remote, o.Ranker.RemoteTimeout, o.Ranker.LogFeatures = RankerRemote, client, 5*time.Second, 1
	}
}
