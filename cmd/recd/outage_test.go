package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// outageLoad is the traffic of TestReplicas_PostgresOutage: writers post events with unique
// session ids and record which were acknowledged; readers ask for recommendations and record
// what they got. Safe for concurrent use.
type outageLoad struct {
	mu         sync.Mutex
	acked      []string     // session ids of events acknowledged with 200
	writes     map[int]int  // status -> count
	reads      map[int]int  // status -> count
	degraded   int          // reads answered with degraded: true
	notStored  int          // 503s whose message says the write was not stored
	unexpected []string     // anything else, to report
	phase      atomic.Int32 // 0 healthy, 1 outage, 2 recovered
	byPhase    [3][2]int    // [phase][0 reads, 1 degraded reads]
	seq        atomic.Int64
}

func (l *outageLoad) write(base string) {
	n := l.seq.Add(1)
	sid := fmt.Sprintf("w%d", n)
	ev := []map[string]any{{"user_id": fmt.Sprintf("p%02d", n%60), "item_id": fmt.Sprintf("m%03d", n%120),
		"type": "view", "session_id": sid}}
	st, body, err := send("POST", base+"/v1/events", ev)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		l.unexpected = append(l.unexpected, "write: "+err.Error())
		return
	}
	l.writes[st]++
	switch st {
	case http.StatusOK:
		l.acked = append(l.acked, sid)
	case http.StatusServiceUnavailable:
		if e, _ := body["error"].(map[string]any); strings.HasPrefix(fmt.Sprint(e["message"]), "not stored:") {
			l.notStored++
		}
	default:
		l.unexpected = append(l.unexpected, fmt.Sprintf("write %d %v", st, body))
	}
}

func (l *outageLoad) read(base string, rng *rand.Rand) {
	st, body, err := get(fmt.Sprintf("%s/v1/users/p%02d/recommendations?n=5", base, rng.IntN(60)))
	ph := l.phase.Load()
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		l.unexpected = append(l.unexpected, "read: "+err.Error())
		return
	}
	l.reads[st]++
	if st != http.StatusOK || len(itemIDs(body)) == 0 {
		l.unexpected = append(l.unexpected, fmt.Sprintf("read %d %v", st, body))
		return
	}
	l.byPhase[ph][0]++
	if body["degraded"] == true {
		l.degraded++
		l.byPhase[ph][1]++
	}
}

// TestReplicas_PostgresOutage kills the PostgreSQL server under a recd replica in the middle
// of a read and write load, and starts it again: reads keep answering from memory with
// degraded: true, writes get 503 saying they were not stored, /readyz names the store, every
// write acknowledged with 200 is in the database afterwards, and the replica recovers by
// itself (the pgx pool dials again) once PostgreSQL is back.
func TestReplicas_PostgresOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a private PostgreSQL server")
	}
	pg := startPostgres(t)
	r := startReplica(t, replicaEnv(pg.DSN()))
	seedWorld(t, r.base)
	if st, body, err := send("POST", r.base+"/v1/admin/train", nil); err != nil || st != http.StatusOK {
		t.Fatalf("train: %d %v %v", st, body, err)
	}

	l := &outageLoad{writes: map[int]int{}, reads: map[int]int{}}
	stop := l.start(r.base, 2, 3, 3)
	time.Sleep(time.Second) // healthy load

	l.phase.Store(1)
	killed := time.Now()
	pg.kill()
	eventually(t, 10*time.Second, "/readyz to report the store down", func() bool {
		st, body, _ := get(r.base + "/readyz")
		return st == http.StatusServiceUnavailable && fmt.Sprint(body["down"]) == "[store]"
	})
	detect := time.Since(killed)
	time.Sleep(1500 * time.Millisecond) // outage load

	restarted := time.Now()
	pg.start()
	l.phase.Store(2)
	recovery := eventually(t, 30*time.Second, "the replica to recover by itself", func() bool {
		st, _, _ := get(r.base + "/readyz")
		if st != http.StatusOK {
			return false
		}
		st, _, _ = send("POST", r.base+"/v1/events", []map[string]any{{"user_id": "probe", "item_id": "m000", "type": "view"}})
		return st == http.StatusOK
	})
	time.Sleep(time.Second) // recovered load
	stop()

	l.mu.Lock()
	defer l.mu.Unlock()
	t.Logf("/readyz reported the store down %v after the kill began; outage %v; ready and writing again %v after PostgreSQL started",
		detect.Round(time.Millisecond), restarted.Sub(killed).Round(time.Millisecond), recovery.Round(time.Millisecond))
	t.Logf("writes by status %v (%d acknowledged); reads by status %v; degraded reads healthy/outage/recovered: %d/%d, %d/%d, %d/%d",
		l.writes, len(l.acked), l.reads, l.byPhase[0][1], l.byPhase[0][0], l.byPhase[1][1], l.byPhase[1][0],
		l.byPhase[2][1], l.byPhase[2][0])
	for _, u := range l.unexpected {
		t.Errorf("unexpected answer: %s", u)
	}
	if l.reads[http.StatusOK] == 0 || l.byPhase[1][0] == 0 {
		t.Errorf("no reads answered during the outage: %v", l.reads)
	}
	if l.byPhase[1][1] == 0 {
		t.Error("no read during the outage said degraded: true")
	}
	if l.byPhase[0][1] != 0 {
		t.Errorf("%d reads before the outage said degraded", l.byPhase[0][1])
	}
	if l.writes[http.StatusServiceUnavailable] == 0 || l.notStored != l.writes[http.StatusServiceUnavailable] {
		t.Errorf("writes during the outage: %v, %d saying not stored; want 503s that all say so", l.writes, l.notStored)
	}
	if st, body, _ := get(r.base + "/v1/popular?n=3"); st != http.StatusOK || body["degraded"] != nil {
		t.Errorf("after recovery: %d %v, want 200 without degraded", st, body)
	}

	// Every acknowledged write is in the database.
	l.checkStored(t, pg.DSN())
}

// start runs writers and readers against base until the returned stop is called (stop
// waits for them); seed varies the readers' users between tests.
func (l *outageLoad) start(base string, writers, readers int, seed uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for w := range writers + readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), seed))
			for {
				select {
				case <-done:
					return
				default:
				}
				if w < writers {
					l.write(base)
				} else {
					l.read(base, rng)
				}
				time.Sleep(2 * time.Millisecond)
			}
		}()
	}
	return func() { close(done); wg.Wait() }
}

// checkStored fails the test unless every acknowledged write is in the database at dsn (and
// at least one was acknowledged). The caller holds l.mu or the load has stopped.
func (l *outageLoad) checkStored(t *testing.T, dsn string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT session_id FROM events WHERE session_id LIKE 'w%'`)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		stored[s] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	lost := 0
	for _, sid := range l.acked {
		if !stored[sid] {
			lost++
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d acknowledged events are not in the database", lost, len(l.acked))
	}
	if len(l.acked) == 0 {
		t.Error("no write was acknowledged")
	}
}
