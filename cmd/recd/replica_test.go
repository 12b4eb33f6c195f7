package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"
)

// TestReplicas_FollowEachOther runs two `recd serve` processes on loopback over one
// PostgreSQL schema. What is written through the first reaches the second by its follower
// (replica.follow_interval 200ms, replica.poll_interval 500ms): the catalog, a user's new
// event (which changes the second's next recommendation for that user) and a model trained
// through the first. Until a change notification (Redis pub/sub) triggers the follower at
// once, the second catches up on its next pass, so the test polls for the effect.
func TestReplicas_FollowEachOther(t *testing.T) {
	dsn := freshSchema(t, postgresDSN(t))
	env := replicaEnv(dsn)
	a := startReplica(t, env)
	b := startReplica(t, env)

	seedWorld(t, a.base)
	st, trained, err := send("POST", a.base+"/v1/admin/train", nil)
	if err != nil || st != http.StatusOK {
		t.Fatalf("train through a: %d %v %v", st, trained, err)
	}
	v1 := fmt.Sprint(trained["version"])
	took := eventually(t, 30*time.Second, "b to serve the model trained through a", func() bool {
		st, body, _ := get(b.base + "/v1/popular?n=3")
		return st == http.StatusOK && body["model_version"] == v1
	})
	t.Logf("b serves a's first model %s %v after a's train answered", v1, took.Round(time.Millisecond))
	st, ready, _ := get(b.base + "/readyz")
	if st != http.StatusOK || ready["status"] != "ready" {
		t.Fatalf("b's readyz = %d %v", st, ready)
	}
	if stats, _ := ready["stats"].(map[string]any); stats["items"] != float64(120) || stats["events"] != float64(600) {
		t.Errorf("b's stats = %v, want the 120 items and 600 events written through a", stats)
	}
	if f, _ := ready["follower"].(map[string]any); f["events_applied"] != float64(600) || f["changes_applied"] != float64(120) ||
		f["models_loaded"] != float64(1) {
		t.Errorf("b's follower = %v, want 600 events, 120 item changes and 1 model applied", f)
	}

	t.Run("EventChangesTheOtherReplicasNextList", func(t *testing.T) {
		url := b.base + "/v1/users/p05/recommendations?n=5"
		st, before, err := get(url)
		if err != nil || st != http.StatusOK || len(itemIDs(before)) == 0 {
			t.Fatalf("b's list for p05: %d %v %v", st, before, err)
		}
		top := itemIDs(before)[0]
		sent := time.Now()
		if st, body, err := send("POST", a.base+"/v1/events",
			[]map[string]any{{"user_id": "p05", "item_id": top, "type": "purchase"}}); err != nil || st != http.StatusOK {
			t.Fatalf("event through a: %d %v %v", st, body, err)
		}
		eventually(t, 10*time.Second, "b's list for p05 to drop the item p05 bought through a", func() bool {
			st, after, _ := get(url)
			return st == http.StatusOK && !slices.Contains(itemIDs(after), top)
		})
		t.Logf("b's next list for p05 dropped %s %v after the event was acknowledged by a", top,
			time.Since(sent).Round(time.Millisecond))
	})

	t.Run("NewItemReachesTheOtherReplica", func(t *testing.T) {
		item := map[string]any{"id": "fresh", "title": "Comedy special", "text": "a comedy story number 3",
			"categories": []string{"Comedy"}}
		if st, body, err := send("PUT", a.base+"/v1/items/fresh", item); err != nil || st != http.StatusOK {
			t.Fatalf("put item through a: %d %v %v", st, body, err)
		}
		// Similar needs the item in b's live catalog and its content vector in b's own index.
		eventually(t, 10*time.Second, "b to find content neighbours of the item put through a", func() bool {
			st, body, _ := get(b.base + "/v1/items/fresh/similar?by=content&n=3")
			return st == http.StatusOK && len(itemIDs(body)) > 0
		})
		if st, body, err := send("DELETE", a.base+"/v1/items/fresh", nil); err != nil || st/100 != 2 {
			t.Fatalf("delete item through a: %d %v %v", st, body, err)
		}
		eventually(t, 10*time.Second, "b to forget the item deleted through a", func() bool {
			st, _, _ := get(b.base + "/v1/items/fresh/similar?by=content&n=3")
			return st == http.StatusNotFound
		})
	})

	t.Run("ModelTrainedThroughTheFirstIsServedByTheSecond", func(t *testing.T) {
		st, trained, err := send("POST", a.base+"/v1/admin/train", nil)
		if err != nil || st != http.StatusOK {
			t.Fatalf("train through a: %d %v %v", st, trained, err)
		}
		v2 := fmt.Sprint(trained["version"])
		if v2 == v1 {
			t.Fatalf("the second training run reused version %s", v1)
		}
		took := eventually(t, 30*time.Second, "b to serve the model trained through a", func() bool {
			st, body, _ := get(b.base + "/v1/users/p07/recommendations?n=3")
			return st == http.StatusOK && body["model_version"] == v2
		})
		t.Logf("b serves a's new model %s %v after a's train answered (poll_interval 500ms)", v2, took.Round(time.Millisecond))
		st, models, _ := get(b.base + "/v1/admin/models")
		list, _ := models["models"].([]any)
		if st != http.StatusOK || len(list) != 2 || list[0].(map[string]any)["serving"] != true {
			t.Errorf("b's model list = %d %v, want two with the newest serving", st, models)
		}
	})

	t.Run("ModelTrainedByTheTrainCommandIsServedByBoth", func(t *testing.T) {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(append(os.Environ(), "RECD_TEST_MAIN=1",
			"RECD_TEST_ARGS=train --force --no-progress --data-dir "+t.TempDir()), env...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("recd train: %v\n%s", err, out)
		}
		var info struct{ Version string }
		if err := json.Unmarshal(out, &info); err != nil || info.Version == "" {
			t.Fatalf("recd train printed %q: %v", out, err)
		}
		for name, p := range map[string]*proc{"a": a, "b": b} {
			took := eventually(t, 30*time.Second, name+" to serve the model recd train published", func() bool {
				st, body, _ := get(p.base + "/v1/popular?n=3")
				return st == http.StatusOK && body["model_version"] == info.Version
			})
			t.Logf("%s serves %s %v after recd train exited", name, info.Version, took.Round(time.Millisecond))
		}
	})
}

// TestReplicas_SharedRedisMovesTheOtherReplicaAtOnce runs two `recd serve` processes over one
// PostgreSQL schema and one Redis (a key prefix of its own). With the followers slowed to a
// 30 s pass, the second replica's very next answer after the first acknowledges an event
// must already reflect it: the user's actions and generation live in Redis, so the second
// replica neither answers from its response cache nor ranks from its stale history. The
// event buys the second replica's top item, so its next list must drop it and still hold n.
func TestReplicas_SharedRedisMovesTheOtherReplicaAtOnce(t *testing.T) {
	addr := os.Getenv("RECD_TEST_REDIS_ADDR")
	if addr == "" {
		t.Skip("RECD_TEST_REDIS_ADDR is not set; run eval \"$(scripts/redis-test.sh)\" to start a local Redis")
	}
	dsn := freshSchema(t, postgresDSN(t))
	env := append(replicaEnv(dsn), "RECD_REDIS_ADDR="+addr,
		fmt.Sprintf("RECD_REDIS_PREFIX=recd-test-%d:", time.Now().UnixNano()),
		"RECD_REPLICA_FOLLOW_INTERVAL=30s", "RECD_REPLICA_POLL_INTERVAL=500ms")
	a := startReplica(t, env)
	b := startReplica(t, env)
	seedWorld(t, a.base)
	st, trained, err := send("POST", a.base+"/v1/admin/train", nil)
	if err != nil || st != http.StatusOK {
		t.Fatalf("train through a: %d %v %v", st, trained, err)
	}
	eventually(t, 30*time.Second, "b to serve a's model", func() bool {
		st, body, _ := get(b.base + "/v1/popular?n=3")
		return st == http.StatusOK && body["model_version"] == trained["version"]
	})
	for _, user := range []string{"p05", "p06", "p07"} {
		url := b.base + "/v1/users/" + user + "/recommendations?n=10"
		st, before, err := get(url)
		if err != nil || st != http.StatusOK || len(itemIDs(before)) != 10 {
			t.Fatalf("b's list for %s: %d %v %v", user, st, before, err)
		}
		if st, again, _ := get(url); st != http.StatusOK || !slices.Equal(itemIDs(again), itemIDs(before)) {
			t.Fatalf("b's list for %s changed without an event: %v then %v", user, itemIDs(before), itemIDs(again))
		}
		top := itemIDs(before)[0]
		if st, body, err := send("POST", a.base+"/v1/events",
			[]map[string]any{{"user_id": user, "item_id": top, "type": "purchase"}}); err != nil || st != http.StatusOK {
			t.Fatalf("event through a: %d %v %v", st, body, err)
		}
		st, after, err := get(url) // at once: no waiting for b's follower
		if err != nil || st != http.StatusOK {
			t.Fatalf("b's next list for %s: %d %v %v", user, st, after, err)
		}
		if slices.Contains(itemIDs(after), top) || len(itemIDs(after)) != 10 {
			t.Fatalf("b's very next list for %s after buying %s through a: %v (before %v); want it gone", user, top,
				itemIDs(after), itemIDs(before))
		}
	}
}
