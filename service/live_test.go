package service

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/redisstate/redistest"
)

// testLiveState is the conformance suite of liveState: every implementation answers the same
// writes with the same reads.
func testLiveState(t *testing.T, live liveState) {
	ctx := context.Background()
	items := []recd.Item{{ID: "a", Title: "Alpha", Available: true}, {ID: "b", Title: "Beta", Available: true}}
	if live.putItems(ctx, items) {
		t.Error("putItems of new items reported a replacement")
	}
	if !live.putItems(ctx, items[:1]) {
		t.Error("putItems of a known item reported no replacement")
	}
	if m, ok := live.Item("a"); !ok || m.Title != "Alpha" {
		t.Errorf("Item(a) = %+v, %v", m, ok)
	}
	now := time.Now().UTC().Add(-time.Minute)
	evs := []recd.Event{
		{Seq: 1, UserID: "u", SessionID: "s", ItemID: "a", Type: "click", Timestamp: now},
		{Seq: 2, UserID: "u", ItemID: "b", Type: "click", Timestamp: now.Add(time.Second)},
		{Seq: 3, UserID: "u", ItemID: "a", Type: "click", Timestamp: now.Add(2 * time.Second)},
	}
	if got := live.unknownItems(append(slices.Clone(evs), recd.Event{ItemID: "nope"})); !slices.Equal(got, []int{3}) {
		t.Errorf("unknownItems = %v, want [3]", got)
	}
	live.addEvents(ctx, evs)
	if got, want := live.stats(), (Stats{Items: 2, Users: 1, Events: 3}); got != want {
		t.Errorf("stats = %+v, want %+v", got, want)
	}
	if got := live.userGen("u"); got != 3 || live.currentSeq() != 3 {
		t.Errorf("userGen = %d, currentSeq = %d, want 3 and 3", got, live.currentSeq())
	}
	h := live.History("u")
	slices.SortFunc(h, func(x, y rank.Interaction) int { return strings.Compare(x.ItemID, y.ItemID) })
	if len(h) != 2 || h[0].ItemID != "a" || h[1].ItemID != "b" || !(h[0].Weight > h[1].Weight) {
		t.Errorf("History(u) = %+v, want a (two clicks) above b (one)", h)
	}
	v := live.viewUser(ctx, "u", "s", false, 10)
	if !v.cacheable || len(v.user) == 0 || v.user[0].ItemID != "a" || len(v.session) != 1 || v.session[0].ItemID != "a" {
		t.Errorf("viewUser = %+v, want u's newest action a and session s's one action a", v)
	}
	ids, _, titles := live.trending(ctx, 2, func(m *rank.ItemMeta) bool { return m != nil && m.Available })
	if !slices.Equal(ids, []string{"a", "b"}) || !slices.Equal(titles, []string{"Alpha", "Beta"}) {
		t.Errorf("trending = %v %v, want [a b] [Alpha Beta]", ids, titles)
	}
	if !live.forgetUser(ctx, &erasure{user: "u", events: evs}) {
		t.Error("forgetUser of a known user reported nothing held")
	}
	if live.History("u") != nil || live.userGen("u") != 0 || live.stats().Users != 0 {
		t.Errorf("after forgetUser: history %v, gen %d, stats %+v", live.History("u"), live.userGen("u"), live.stats())
	}
	if v := live.viewUser(ctx, "u", "s", false, 10); len(v.user) != 0 || len(v.session) != 0 {
		t.Errorf("after forgetUser the user still has recent actions %v, their session %v", v.user, v.session)
	}
	if ids, _, _ := live.trending(ctx, 2, func(*rank.ItemMeta) bool { return true }); len(ids) != 0 {
		t.Errorf("after forgetUser trending still counts %v, which only u's events fed", ids)
	}
	if live.forgetUser(ctx, &erasure{user: "u"}) {
		t.Error("a second forgetUser reported the user held")
	}
	live.deleteItem(ctx, "b")
	if _, ok := live.Item("b"); ok {
		t.Error("Item(b) after deleteItem")
	}
	ids = []string{"a", "b", "nope", "a"}
	metas, found := make([]rank.ItemMeta, len(ids)), make([]bool, len(ids))
	for k := range metas {
		metas[k], found[k] = rank.ItemMeta{Title: "stale"}, true
	}
	live.Items(ids, metas, found)
	for k, id := range ids {
		if m, ok := live.Item(id); found[k] != ok || metas[k].Title != m.Title || metas[k].Available != m.Available {
			t.Errorf("Items: %s = %+v, %v; Item gives %+v, %v", id, metas[k], found[k], m, ok)
		}
	}
	if live.err() != nil {
		t.Errorf("err = %v", live.err())
	}
}

func TestLiveState_Memory(t *testing.T) {
	o := DefaultOptions()
	mem, err := newMemState(&o)
	if err != nil {
		t.Fatal(err)
	}
	testLiveState(t, mem)
}

func TestLiveState_Redis(t *testing.T) {
	c, prefix := redistest.Client(t)
	o := DefaultOptions()
	o.Redis, o.RedisPrefix = c, prefix
	mem, err := newMemState(&o)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := newRedisState(mem, &o, slog.New(slog.DiscardHandler), newMetrics())
	if err != nil {
		t.Fatal(err)
	}
	testLiveState(t, rs)
}
