package server_test

import (
	"context"
	"reflect"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
	"github.com/recd/recd/online"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/server"
	"github.com/recd/recd/service"
)

// specBackend answers every call with a value whose every field is set (so that every field
// a handler can send is sent, omitempty or not), or with the error errs names for the
// method ("*": every method). Safe for concurrent use: it is never written after set-up.
type specBackend struct {
	errs     map[string]error
	notReady string // Ready's reason; "" is ready
	degraded bool
}

var (
	_ server.Backend        = (*specBackend)(nil)
	_ server.HealthReporter = (*specBackend)(nil)
)

var specTime = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

// filled returns a T with every exported field set, recursively: strings "x", numbers 1,
// slices and maps of one entry, pointers allocated, times specTime.
func filled[T any]() T {
	var v T
	fill(reflect.ValueOf(&v).Elem(), 0)
	return v
}

func fill(v reflect.Value, depth int) {
	if depth > 8 || !v.CanSet() {
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(0.5)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(s.Index(0), depth+1)
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k, depth+1)
		fill(e, depth+1)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), depth+1)
		v.Set(p)
	case reflect.Interface:
		if v.NumMethod() == 0 {
			v.Set(reflect.ValueOf("x"))
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(specTime))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), depth+1)
			}
		}
	}
}

func (b *specBackend) err(method string) error {
	if err, ok := b.errs[method]; ok {
		return err
	}
	return b.errs["*"]
}

func (b *specBackend) PutItems(_ context.Context, items []recd.Item) error {
	for _, it := range items {
		if it.ID == "" {
			return recd.Invalid("id", "is required")
		}
	}
	return b.err("PutItems")
}
func (b *specBackend) GetItem(context.Context, string) (recd.Item, error) {
	return filled[recd.Item](), b.err("GetItem")
}
func (b *specBackend) ListItems(context.Context, string, int) ([]recd.Item, string, error) {
	return filled[[]recd.Item](), "x", b.err("ListItems")
}
func (b *specBackend) DeleteItem(context.Context, string) error { return b.err("DeleteItem") }
func (b *specBackend) PutUser(context.Context, recd.User) error { return b.err("PutUser") }
func (b *specBackend) GetUser(context.Context, string) (recd.User, error) {
	return filled[recd.User](), b.err("GetUser")
}
func (b *specBackend) DeleteUser(context.Context, string) error { return b.err("DeleteUser") }
func (b *specBackend) UserEvents(context.Context, string, string, int) ([]recd.Event, string, error) {
	return filled[[]recd.Event](), "x", b.err("UserEvents")
}
func (b *specBackend) AddEvents(_ context.Context, evs []recd.Event) ([]recd.Event, error) {
	if len(evs) == 0 {
		return nil, recd.Invalid("", "no events")
	}
	for i := range evs {
		evs[i].Seq = int64(i + 1)
	}
	return evs, b.err("AddEvents")
}
func (b *specBackend) Recommend(context.Context, service.RecommendRequest) (rank.Response, error) {
	return filled[rank.Response](), b.err("Recommend")
}
func (b *specBackend) Similar(context.Context, string, int, string, []string) (rank.Response, error) {
	return filled[rank.Response](), b.err("Similar")
}
func (b *specBackend) Popular(context.Context, int, []string) (rank.Response, error) {
	return filled[rank.Response](), b.err("Popular")
}
func (b *specBackend) Trending(context.Context, int, []string) (rank.Response, error) {
	return filled[rank.Response](), b.err("Trending")
}
func (b *specBackend) Query(context.Context, service.QueryRequest) (service.QueryResponse, error) {
	return filled[service.QueryResponse](), b.err("Query")
}
func (b *specBackend) Spaces(context.Context) ([]index.SpaceInfo, error) {
	return filled[[]index.SpaceInfo](), b.err("Spaces")
}
func (b *specBackend) Train(context.Context) (service.ModelInfo, error) {
	return filled[service.ModelInfo](), b.err("Train")
}
func (b *specBackend) TrainForced(ctx context.Context) (service.ModelInfo, error) {
	return b.Train(ctx)
}
func (b *specBackend) Models(context.Context) ([]service.ModelInfo, error) {
	return filled[[]service.ModelInfo](), b.err("Models")
}
func (b *specBackend) Ready() (bool, string) { return b.notReady == "", b.notReady }
func (b *specBackend) Stats() service.Stats  { return filled[service.Stats]() }
func (b *specBackend) Health() service.HealthReport {
	h := filled[service.HealthReport]()
	h.Degraded = b.degraded
	return h
}
func (b *specBackend) Degraded() bool                     { return b.degraded }
func (b *specBackend) FollowStatus() service.FollowStatus { return filled[service.FollowStatus]() }

func (b *specBackend) OnlineMetrics(context.Context, online.Query, int) (*online.Result, error) {
	r := filled[online.Result]()
	return &r, b.err("OnlineMetrics")
}
