package sqlite_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/store/sqlite"
)

func TestOpen_RejectsBadInput(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		path string
		opts func(*sqlite.Options)
	}{
		{"EmptyPath", "", nil},
		{"Memory", ":memory:", nil},
		{"QueryInPath", filepath.Join(dir, "a?b.db"), nil},
		{"NoReaders", filepath.Join(dir, "r.db"), func(o *sqlite.Options) { o.Readers = 0 }},
		{"NegativeBusyTimeout", filepath.Join(dir, "b.db"), func(o *sqlite.Options) { o.BusyTimeout = -time.Second }},
		{"MissingDir", filepath.Join(dir, "no", "such", "dir", "x.db"), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := sqlite.DefaultOptions()
			if tc.opts != nil {
				tc.opts(&opts)
			}
			if s, err := sqlite.Open(tc.path, opts); err == nil {
				s.Close()
				t.Errorf("Open(%q) succeeded", tc.path)
			}
		})
	}
}

func TestOpen_RefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v.db")
	s, err := sqlite.Open(path, sqlite.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	var v int
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil || v < 1 {
		t.Fatalf("user_version after migration = %d, %v", v, err)
	}
	if _, err := db.Exec(`PRAGMA user_version = 999`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if s, err := sqlite.Open(path, sqlite.DefaultOptions()); err == nil || !strings.Contains(err.Error(), "newer") {
		if s != nil {
			s.Close()
		}
		t.Errorf("Open of a database from a newer version: err = %v, want a schema version error", err)
	}
}

func TestOpen_WALAndPing(t *testing.T) {
	for _, full := range []bool{false, true} {
		opts := sqlite.DefaultOptions()
		opts.FullSync = full
		path := filepath.Join(t.TempDir(), "p.db")
		s, err := sqlite.Open(path, opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Ping(t.Context()); err != nil {
			t.Errorf("Ping: %v", err)
		}
		if _, err := s.AddEvents(t.Context(), []recd.Event{{UserID: "u", ItemID: "i", Type: "view"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(path + "-wal"); err != nil {
			t.Errorf("FullSync %v: no write-ahead log next to the database: %v", full, err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
}
