package server_test

import (
	"context"
	"fmt"
	"sync"
	"unicode/utf8"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
	"github.com/recd/recd/online"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/server"
	"github.com/recd/recd/service"
)

// fakeBackend answers every Backend call with canned values. It validates ids the way the
// service does for the cases the fuzz targets reach (empty, too long, not UTF-8), so the
// handlers' error paths run. Safe for concurrent use.
type fakeBackend struct {
	mu    sync.Mutex
	items int
	evs   int
}

var _ server.Backend = (*fakeBackend)(nil)

func checkID(field, id string) error {
	if id == "" || len(id) > 256 || !utf8.ValidString(id) {
		return recd.Invalid(field, "must be 1-256 bytes of UTF-8")
	}
	return nil
}

func (f *fakeBackend) PutItems(_ context.Context, items []recd.Item) error {
	for i, it := range items {
		if err := checkID(fmt.Sprintf("items[%d].id", i), it.ID); err != nil {
			return err
		}
	}
	f.mu.Lock()
	f.items += len(items)
	f.mu.Unlock()
	return nil
}
func (f *fakeBackend) GetItem(_ context.Context, id string) (recd.Item, error) {
	return recd.Item{ID: id, Title: "canned", Available: true}, nil
}
func (f *fakeBackend) ListItems(context.Context, string, int) ([]recd.Item, string, error) {
	return []recd.Item{{ID: "1", Available: true}}, "", nil
}
func (f *fakeBackend) DeleteItem(context.Context, string) error { return nil }
func (f *fakeBackend) PutUser(_ context.Context, u recd.User) error {
	return checkID("id", u.ID)
}
func (f *fakeBackend) GetUser(_ context.Context, id string) (recd.User, error) {
	return recd.User{ID: id}, nil
}
func (f *fakeBackend) DeleteUser(context.Context, string) error { return nil }
func (f *fakeBackend) UserEvents(context.Context, string, string, int) ([]recd.Event, string, error) {
	return nil, "", nil
}
func (f *fakeBackend) AddEvents(_ context.Context, evs []recd.Event) ([]recd.Event, error) {
	if len(evs) == 0 {
		return nil, recd.Invalid("", "no events")
	}
	for i, e := range evs {
		if err := checkID(fmt.Sprintf("events[%d].user_id", i), e.UserID); err != nil {
			return nil, err
		}
		if err := checkID(fmt.Sprintf("events[%d].item_id", i), e.ItemID); err != nil {
			return nil, err
		}
	}
	f.mu.Lock()
	f.evs += len(evs)
	f.mu.Unlock()
	return evs, nil
}
func (f *fakeBackend) Recommend(context.Context, service.RecommendRequest) (rank.Response, error) {
	return rank.Response{Strategy: "canned"}, nil
}
func (f *fakeBackend) Similar(context.Context, string, int, string, []string) (rank.Response, error) {
	return rank.Response{Strategy: "canned"}, nil
}
func (f *fakeBackend) Popular(context.Context, int, []string) (rank.Response, error) {
	return rank.Response{Strategy: "canned"}, nil
}
func (f *fakeBackend) Trending(context.Context, int, []string) (rank.Response, error) {
	return rank.Response{Strategy: "canned"}, nil
}
func (f *fakeBackend) Spaces(context.Context) ([]index.SpaceInfo, error) { return nil, nil }
func (f *fakeBackend) Train(context.Context) (service.ModelInfo, error) {
	return service.ModelInfo{Version: "v1", Kind: "canned"}, nil
}
func (f *fakeBackend) TrainForced(ctx context.Context) (service.ModelInfo, error) {
	return f.Train(ctx)
}
func (f *fakeBackend) Models(context.Context) ([]service.ModelInfo, error) { return nil, nil }
func (f *fakeBackend) Ready() (bool, string)                               { return true, "" }
func (f *fakeBackend) Stats() service.Stats                                { return service.Stats{} }

func (f *fakeBackend) Query(_ context.Context, req service.QueryRequest) (service.QueryResponse, error) {
	if req.Text == "" {
		return service.QueryResponse{}, recd.Invalid("text", "is required")
	}
	return service.QueryResponse{Parser: "builtin", Items: []recd.Recommendation{}, Strategy: "query"}, nil
}

// OnlineMetrics answers an empty fold of the asked window.
func (f *fakeBackend) OnlineMetrics(_ context.Context, q online.Query, k int) (*online.Result, error) {
	return &online.Result{From: q.From, To: q.To, GroupBy: q.GroupBy, Experiment: q.Experiment, K: k, Groups: []online.Group{}}, nil
}
