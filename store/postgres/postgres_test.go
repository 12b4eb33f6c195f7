package postgres_test

import (
	"context"
	"fmt"
	"hash/fnv"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/recd/recd"
	"github.com/recd/recd/store"
	"github.com/recd/recd/store/postgres"
	"github.com/recd/recd/store/storetest"
)

// dsnEnv names the database the tests use; scripts/postgres-test.sh starts one and prints it.
const dsnEnv = "RECD_TEST_POSTGRES_DSN"

func testDSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv(dsnEnv)
	if dsn == "" {
		tb.Skipf("%s is not set; run eval \"$(scripts/postgres-test.sh)\" to start a local PostgreSQL", dsnEnv)
	}
	return dsn
}

// withSearchPath adds a search_path parameter to a URL or key=value DSN.
func withSearchPath(dsn, schema string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		return dsn + sep + "search_path=" + schema
	}
	return dsn + " search_path=" + schema
}

// schemaOpener gives each test its own schema (dropped when the test ends) and reopens the
// same schema when called again for the same test.
type schemaOpener struct {
	dsn     string
	mu      sync.Mutex
	created map[string]bool
}

func (o *schemaOpener) schema(tb testing.TB) string {
	tb.Helper()
	h := fnv.New64a()
	h.Write([]byte(tb.Name()))
	name := fmt.Sprintf("recd_test_%x", h.Sum64())
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.created[name] {
		return name
	}
	o.created[name] = true
	admin(tb, o.dsn, `DROP SCHEMA IF EXISTS `+name+` CASCADE; CREATE SCHEMA `+name)
	tb.Cleanup(func() { admin(tb, o.dsn, `DROP SCHEMA IF EXISTS `+name+` CASCADE`) })
	return name
}

func (o *schemaOpener) open(t *testing.T) store.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), withSearchPath(o.dsn, o.schema(t)), postgres.DefaultOptions())
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return s
}

func admin(tb testing.TB, dsn, sql string) {
	tb.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		tb.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
}

func TestStore_Conformance(t *testing.T) {
	o := &schemaOpener{dsn: testDSN(t), created: map[string]bool{}}
	storetest.Run(t, o.open)
}

// TestOpen_ConcurrentMigration opens several stores on one empty schema at once, as replicas
// starting together do: the advisory lock lets exactly one migrate and all succeed.
func TestOpen_ConcurrentMigration(t *testing.T) {
	o := &schemaOpener{dsn: testDSN(t), created: map[string]bool{}}
	dsn := withSearchPath(o.dsn, o.schema(t))
	const replicas = 4
	var wg sync.WaitGroup
	errs := make([]error, replicas)
	stores := make([]*postgres.Store, replicas)
	for i := range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = postgres.Open(t.Context(), dsn, postgres.DefaultOptions())
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("replica %d: %v", i, err)
			continue
		}
		defer stores[i].Close()
	}
	if t.Failed() {
		return
	}
	// What one replica writes, another reads.
	if _, err := stores[0].AddEvents(t.Context(), []recd.Event{{UserID: "u", ItemID: "i", Type: "view"}}); err != nil {
		t.Fatal(err)
	}
	if n, err := stores[3].CountEvents(t.Context()); err != nil || n != 1 {
		t.Errorf("CountEvents on another replica = %d, %v; want 1", n, err)
	}
	var version int
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	if err := conn.QueryRow(t.Context(), `SELECT version FROM schema_version`).Scan(&version); err != nil || version < 1 {
		t.Errorf("schema_version = %d, %v", version, err)
	}
	var rows int
	if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM schema_version`).Scan(&rows); err != nil || rows != 1 {
		t.Errorf("schema_version has %d rows, %v; want 1", rows, err)
	}
}
