package service_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/service"
)

func TestRecommend_NewItemWithTextOnlyReachesMatchingUsers(t *testing.T) {
	svc, _ := movieLens(t)
	ctx := context.Background()
	cold := recd.Item{ID: "cold-dino", Title: "Raptor Valley (2024)", Available: true,
		Text:       "An animated family adventure: a young dinosaur and his friends cross a valley of dinosaurs.",
		Categories: []string{"Animation", "Children", "Adventure"}}
	if err := svc.PutItems(ctx, []recd.Item{cold}); err != nil {
		t.Fatal(err)
	}
	sim, err := svc.Similar(ctx, cold.ID, 10, "content", nil)
	if err != nil || len(sim.Items) != 10 {
		t.Fatalf("content neighbours of a new item: %v %v", sim.Items, err)
	}
	// A user whose history is animated dinosaur and family films.
	var evs []recd.Event
	for _, m := range []string{"3615", "888", "3400", "69644", "2355", "1", "4886", "6377"} {
		evs = append(evs, recd.Event{UserID: "dino-fan", ItemID: m, Type: "like"})
	}
	if _, err := svc.AddEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	resp, err := svc.Recommend(ctx, service.RecommendRequest{UserID: "dino-fan", N: 10})
	if err != nil {
		t.Fatal(err)
	}
	if !has(ids(resp.Items), cold.ID) {
		t.Errorf("the new item is not among %v (%s)", ids(resp.Items), resp.Strategy)
	}
	for _, it := range resp.Items {
		if it.ID == cold.ID && len(it.Reasons) == 0 {
			t.Errorf("no reason on the new item")
		}
	}
}

func TestRecommend_SessionClicksSteerTheNextList(t *testing.T) {
	svc, data := movieLens(t)
	ctx := context.Background()
	cat := movies(data)
	// User 414 rated many films of every kind; three horror clicks now.
	now := time.Now()
	var evs []recd.Event
	for i, m := range []string{"1387", "1982", "2710"} { // Jaws, Halloween, Blair Witch
		evs = append(evs, recd.Event{UserID: "414", ItemID: m, Type: "click", Timestamp: now.Add(time.Duration(i) * time.Second)})
	}
	before, err := svc.Recommend(ctx, service.RecommendRequest{UserID: "414", N: 10})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	after, err := svc.Recommend(ctx, service.RecommendRequest{UserID: "414", N: 10})
	if err != nil {
		t.Fatal(err)
	}
	horror := func(items []recd.Recommendation) int {
		n := 0
		for _, it := range items {
			for _, c := range cat[it.ID].Categories {
				if c == "Horror" || c == "Thriller" {
					n++
					break
				}
			}
		}
		return n
	}
	if got := horror(after.Items); got < 5 || got <= horror(before.Items) {
		t.Errorf("horror/thriller in the next ten: %d (before the clicks %d), want at least 5", got, horror(before.Items))
	}
	session := 0
	for _, it := range after.Items {
		for _, r := range it.Reasons {
			if r.Type == rank.ReasonSession {
				session++
				break
			}
		}
	}
	if session == 0 {
		t.Errorf("no item explains itself by the session")
	}
}

func TestRecommend_StrategiesAndKnobs(t *testing.T) {
	svc, _ := movieLens(t)
	ctx := context.Background()
	cold, err := svc.Recommend(ctx, service.RecommendRequest{UserID: "nobody-at-all", N: 10})
	if err != nil || cold.Strategy != rank.StrategyPopularity {
		t.Fatalf("cold user: %v %v", cold.Strategy, err)
	}
	pop, _ := svc.Popular(ctx, 10, nil)
	if fmt.Sprint(ids(cold.Items)) != fmt.Sprint(ids(pop.Items)) {
		t.Errorf("cold user %v, popular %v", ids(cold.Items), ids(pop.Items))
	}
	if _, err := svc.AddEvents(ctx, []recd.Event{{UserID: "two-likes", ItemID: "1", Type: "like"}, {UserID: "two-likes", ItemID: "3114", Type: "like"}}); err != nil {
		t.Fatal(err)
	}
	boot, _ := svc.Recommend(ctx, service.RecommendRequest{UserID: "two-likes", N: 10})
	warm, _ := svc.Recommend(ctx, service.RecommendRequest{UserID: "1", N: 10})
	anon, _ := svc.Recommend(ctx, service.RecommendRequest{ContextItems: []string{"1", "2355"}, N: 10})
	if boot.Strategy != rank.StrategyBootstrap || warm.Strategy != rank.StrategyHybrid || anon.Strategy != rank.StrategySession {
		t.Errorf("strategies: few events %q, warm %q, anonymous %q", boot.Strategy, warm.Strategy, anon.Strategy)
	}
	bad := 1.5
	if _, err := svc.Recommend(ctx, service.RecommendRequest{UserID: "1", N: 10, Diversity: &bad}); err == nil {
		t.Error("diversity 1.5 accepted")
	}
	if _, err := svc.Recommend(ctx, service.RecommendRequest{N: 10}); err == nil {
		t.Error("a request with neither user, session nor context accepted")
	}
}

// A user whose whole history is war films, whose list was already served (so its candidate
// sources are cached), clicks three animated films: the very next list must follow them,
// though nothing animated was among the cached candidates.
func TestRecommend_SessionClicksOfANewKindSteerACachedList(t *testing.T) {
	svc, data := movieLens(t)
	ctx := context.Background()
	cat := movies(data)
	old := time.Now().Add(-30 * 24 * time.Hour) // outside the session's window
	var evs []recd.Event
	for _, m := range []string{"110", "527", "1090", "1178", "1204", "1208", "1222", "1233", "1242", "2028",
		"161", "647", "1183", "3421", "1272", "5995", "6947", "1927"} {
		evs = append(evs, recd.Event{UserID: "war-buff", ItemID: m, Type: "like", Timestamp: old})
	}
	if _, err := svc.AddEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	animated := func(items []recd.Recommendation) int {
		n := 0
		for _, it := range items {
			for _, c := range cat[it.ID].Categories {
				if c == "Animation" || c == "Children" {
					n++
					break
				}
			}
		}
		return n
	}
	before, err := svc.Recommend(ctx, service.RecommendRequest{UserID: "war-buff", N: 10})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i, m := range []string{"1", "6377", "4306"} { // Toy Story, Finding Nemo, Shrek
		if _, err := svc.AddEvents(ctx, []recd.Event{{UserID: "war-buff", ItemID: m, Type: "click",
			Timestamp: now.Add(time.Duration(i) * time.Second)}}); err != nil {
			t.Fatal(err)
		}
	}
	after, err := svc.Recommend(ctx, service.RecommendRequest{UserID: "war-buff", N: 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("animated or children's films in the next ten: %d (before the clicks %d)", animated(after.Items), animated(before.Items))
	if got := animated(after.Items); got < 5 {
		var titles []string
		for _, it := range after.Items {
			titles = append(titles, cat[it.ID].Title)
		}
		t.Errorf("animated or children's films in the next ten: %d (before the clicks %d), want at least 5: %v",
			got, animated(before.Items), titles)
	}
}

// An anonymous session with clicks and no context items is recommended from its clicks,
// not from popularity alone, and is not shown what it clicked.
func TestRecommend_AnonymousSessionFromItsClicks(t *testing.T) {
	svc, data := movieLens(t)
	ctx := context.Background()
	cat := movies(data)
	clicked := []string{"1", "6377", "4306"} // Toy Story, Finding Nemo, Shrek
	now := time.Now()
	for i, m := range clicked {
		if _, err := svc.AddEvents(ctx, []recd.Event{{UserID: "visitor-1", SessionID: "anon-s1", ItemID: m, Type: "click",
			Timestamp: now.Add(time.Duration(i) * time.Second)}}); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := svc.Recommend(ctx, service.RecommendRequest{SessionID: "anon-s1", N: 10})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Strategy != rank.StrategySession {
		t.Errorf("strategy %q, want %q", resp.Strategy, rank.StrategySession)
	}
	animated := 0
	for _, it := range resp.Items {
		if has(clicked, it.ID) {
			t.Errorf("the session is shown %s, which it clicked", it.ID)
		}
		for _, c := range cat[it.ID].Categories {
			if c == "Animation" || c == "Children" {
				animated++
				break
			}
		}
	}
	t.Logf("animated or children's films: %d of 10", animated)
	if animated < 5 {
		t.Errorf("animated or children's films: %d of %v, want at least 5", animated, ids(resp.Items))
	}
}
