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
