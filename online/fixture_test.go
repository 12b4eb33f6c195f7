package online_test

import (
	"context"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/recd/recd"
	"github.com/recd/recd/online"
	"github.com/recd/recd/store"
	"github.com/recd/recd/store/postgres"
	"github.com/recd/recd/store/sqlite"
)

// scanStore is a store with impressions and their window scans.
type scanStore interface {
	store.Store
	store.Impressions
	store.ImpressionScanner
}

// eachStore runs fn against an empty SQLite store and, when RECD_TEST_POSTGRES_DSN is set, an
// empty PostgreSQL schema.
func eachStore(t *testing.T, fn func(t *testing.T, st scanStore)) {
	t.Run("sqlite", func(t *testing.T) {
		st, err := sqlite.Open(filepath.Join(t.TempDir(), "recd.db"), sqlite.DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		fn(t, st)
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := os.Getenv("RECD_TEST_POSTGRES_DSN")
		if dsn == "" {
			t.Skip("RECD_TEST_POSTGRES_DSN is not set")
		}
		h := fnv.New64a()
		h.Write([]byte(t.Name()))
		schema := fmt.Sprintf("recd_online_%x", h.Sum64())
		pgAdmin(t, dsn, `DROP SCHEMA IF EXISTS `+schema+` CASCADE; CREATE SCHEMA `+schema)
		t.Cleanup(func() { pgAdmin(t, dsn, `DROP SCHEMA IF EXISTS `+schema+` CASCADE`) })
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		st, err := postgres.Open(t.Context(), dsn+sep+"search_path="+schema, postgres.DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		fn(t, st)
	})
}

func pgAdmin(t *testing.T, dsn, sql string) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Fatal(err)
	}
}

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func list(id, user, session, exp, variant string, at time.Time, items ...string) store.Impression {
	im := store.Impression{ID: id, UserID: user, SessionID: session, Route: "recommend", Strategy: "hybrid",
		ModelVersion: "v1", Experiment: exp, Variant: variant, Time: at}
	for i, it := range items {
		im.Items = append(im.Items, store.ImpressionItem{ItemID: it, Position: i, Score: 1})
	}
	return im
}

func ev(user, typ, rec string, pos int, at time.Time) recd.Event {
	return recd.Event{UserID: user, ItemID: "x", Type: typ, Timestamp: at, RecommendationID: rec, Position: &pos}
}

// seed stores the fixture every hand-checked test folds: K = 3 throughout.
//
//	L1 u1 exp1/A [a b c d] t0      clicks at 1 (twice), 3; a purchase at 1; u2's click at 0
//	L2 u1 exp1/A [b e]     t0+1m   a click at position 5 (not shown)
//	L3 u2 exp1/B [a c f]   t0+2m   a click at 2, a view at 0, a purchase at 0
//	L4 anonymous session s9, exp1/B [a b] t0+3m   u5's click at 0
//	L5 u3 exp2/A [a]       t0+4m   a click at 0
//	L0 u1 exp1/A [a]       t0−1m   (before the window) a click at 0
func seed(t *testing.T, st scanStore) {
	t.Helper()
	ctx := t.Context()
	m := time.Minute
	lists := []store.Impression{
		list("L1", "u1", "", "exp1", "A", t0, "a", "b", "c", "d"),
		list("L2", "u1", "", "exp1", "A", t0.Add(m), "b", "e"),
		list("L3", "u2", "", "exp1", "B", t0.Add(2*m), "a", "c", "f"),
		list("L4", "", "s9", "exp1", "B", t0.Add(3*m), "a", "b"),
		list("L5", "u3", "", "exp2", "A", t0.Add(4*m), "a"),
		list("L0", "u1", "", "exp1", "A", t0.Add(-m), "a"),
	}
	if err := st.PutImpressions(ctx, lists); err != nil {
		t.Fatal(err)
	}
	events := []recd.Event{
		ev("u1", "click", "L1", 1, t0.Add(10*time.Second)),
		ev("u1", "click", "L1", 1, t0.Add(11*time.Second)), // the same (list, position): once
		ev("u1", "click", "L1", 3, t0.Add(12*time.Second)), // below K no more
		ev("u1", "purchase", "L1", 1, t0.Add(20*time.Second)),
		ev("u2", "click", "L1", 0, t0.Add(30*time.Second)), // another user's list: skipped
		ev("u1", "click", "L2", 5, t0.Add(m+time.Second)),  // not a shown position: skipped
		ev("u2", "click", "L3", 2, t0.Add(2*m+time.Second)),
		ev("u2", "view", "L3", 0, t0.Add(2*m+time.Second)), // neither click nor conversion
		ev("u2", "purchase", "L3", 0, t0.Add(2*m+2*time.Second)),
		ev("u5", "click", "L4", 0, t0.Add(3*m+time.Second)), // an anonymous list: its session's
		ev("u3", "click", "L5", 0, t0.Add(4*m+time.Second)),
		ev("u1", "click", "L0", 0, t0.Add(-m+time.Second)), // its list is outside the window
	}
	if _, err := st.AddEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	for _, u := range []recd.User{{ID: "u1", Attributes: map[string]any{"country": "fr"}}, {ID: "u2", Attributes: map[string]any{"country": "de"}}} {
		if err := st.PutUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
}

// fakeEnv is the catalog, popularity, model times and user attributes of the fixture.
type fakeEnv struct{ st store.Users }

func (fakeEnv) Size() int { return 10 }

func (fakeEnv) AddedAt(item string) (time.Time, bool) {
	switch item {
	case "a":
		return t0.Add(-48 * time.Hour), true // within a week, not a day
	case "b":
		return t0.Add(-time.Hour), true
	case "e":
		return t0, true
	}
	return time.Time{}, false
}

func (fakeEnv) Share(item string) float64 {
	return map[string]float64{"a": 0.5, "b": 0.25, "c": 0.125}[item]
}

func (fakeEnv) Floor() float64 { return 1.0 / 64 }

func (fakeEnv) VersionTime(v string) (time.Time, bool) {
	return t0.Add(-time.Hour), v == "v1"
}

func (e fakeEnv) UserAttribute(ctx context.Context, user, attr string) (string, bool, error) {
	u, err := e.st.GetUser(ctx, user)
	if err != nil {
		return "", false, nil
	}
	v, ok := u.Attributes[attr]
	if !ok {
		return "", false, nil
	}
	return fmt.Sprint(v), true, nil
}

func env(st store.Users) online.Env {
	e := fakeEnv{st}
	return online.Env{Catalog: e, Popularity: e, Models: e, Users: e}
}
