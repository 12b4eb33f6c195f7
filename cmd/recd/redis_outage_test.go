package main

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/recd/recd/redisstate/redistest"
)

// TestReplicas_RedisOutage kills the Redis server under a recd replica (PostgreSQL store,
// shared state in Redis) in the middle of a read and write load, and starts it again: reads
// keep answering from the in-process state with degraded: true, /readyz names redis, writes
// keep being acknowledged (the store makes them durable; Redis holds nothing that cannot be
// rebuilt), every acknowledged write is in the database, and the replica leaves degraded
// mode by itself once Redis answers again.
func TestReplicas_RedisOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a private Redis server")
	}
	dsn := freshSchema(t, postgresDSN(t))
	rs := redistest.Start(t)
	r := startReplica(t, append(replicaEnv(dsn), "RECD_REDIS_ADDR="+rs.Addr))
	seedWorld(t, r.base)
	if st, body, err := send("POST", r.base+"/v1/admin/train", nil); err != nil || st != http.StatusOK {
		t.Fatalf("train: %d %v %v", st, body, err)
	}
	l := &outageLoad{writes: map[int]int{}, reads: map[int]int{}}
	stop := l.start(r.base, 2, 2, 5)
	time.Sleep(time.Second) // healthy load

	l.phase.Store(1)
	killed := time.Now()
	rs.Stop()
	eventually(t, 10*time.Second, "/readyz to report redis down", func() bool {
		st, body, _ := get(r.base + "/readyz")
		return st == http.StatusServiceUnavailable && fmt.Sprint(body["down"]) == "[redis]"
	})
	detect := time.Since(killed)
	time.Sleep(1500 * time.Millisecond) // outage load

	restarted := time.Now()
	rs.Restart()
	l.phase.Store(2)
	recovery := eventually(t, 30*time.Second, "the replica to leave degraded mode by itself", func() bool {
		st, _, _ := get(r.base + "/readyz")
		if st != http.StatusOK {
			return false
		}
		st, body, _ := get(r.base + "/v1/users/p01/recommendations?n=3")
		return st == http.StatusOK && body["degraded"] == nil
	})
	time.Sleep(time.Second) // recovered load
	stop()

	l.mu.Lock()
	defer l.mu.Unlock()
	t.Logf("/readyz reported redis down %v after the kill; outage %v; out of degraded mode %v after redis-server started",
		detect.Round(time.Millisecond), restarted.Sub(killed).Round(time.Millisecond), recovery.Round(time.Millisecond))
	t.Logf("writes by status %v (%d acknowledged); reads by status %v; degraded reads healthy/outage/recovered: %d/%d, %d/%d, %d/%d",
		l.writes, len(l.acked), l.reads, l.byPhase[0][1], l.byPhase[0][0], l.byPhase[1][1], l.byPhase[1][0],
		l.byPhase[2][1], l.byPhase[2][0])
	for _, u := range l.unexpected {
		t.Errorf("unexpected answer: %s", u)
	}
	if l.byPhase[1][0] == 0 || l.byPhase[1][1] == 0 {
		t.Errorf("reads during the outage: %d, %d of them degraded; want answers that say degraded", l.byPhase[1][0], l.byPhase[1][1])
	}
	if l.byPhase[0][1] != 0 {
		t.Errorf("%d reads before the outage said degraded", l.byPhase[0][1])
	}
	if l.writes[http.StatusOK] == 0 || len(l.writes) != 1 {
		t.Errorf("writes by status %v: a Redis outage must not fail a write the store made durable", l.writes)
	}

	l.checkStored(t, dsn)
}
