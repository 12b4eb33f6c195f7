package sqlite_test

import (
	"bytes"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/recd/recd/store"
	"github.com/recd/recd/store/sqlite"
)

// TestStore_DeleteArtifactReusesPages checks that a deleted artifact's pages go to the free
// list and that the next artifact of the same size reuses them: the file stops growing.
func TestStore_DeleteArtifactReusesPages(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	blob := bytes.Repeat([]byte{1, 2, 3, 4, 5, 6, 7, 8}, 1<<19) // 4 MiB
	step := func(fn func(s *sqlite.Store)) (pages, free int64) {
		t.Helper()
		s, err := sqlite.Open(path, sqlite.DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		fn(s)
		if err := s.Close(); err != nil { // checkpoints the WAL into the main file
			t.Fatal(err)
		}
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(`PRAGMA freelist_count`).Scan(&free); err != nil {
			t.Fatal(err)
		}
		return pages, free
	}
	save := func(v string) func(s *sqlite.Store) {
		return func(s *sqlite.Store) {
			a := store.Artifact{Version: v, Kind: "bundle", Created: time.Now(), Blob: blob}
			if err := s.SaveArtifact(t.Context(), a); err != nil {
				t.Fatal(err)
			}
		}
	}
	pages1, _ := step(save("v1"))
	_, free := step(func(s *sqlite.Store) {
		if err := s.DeleteArtifact(t.Context(), "v1"); err != nil {
			t.Fatal(err)
		}
	})
	if blobPages := int64(len(blob)) / 4096; free < blobPages*9/10 {
		t.Errorf("free pages after deleting a 4 MiB artifact = %d, want at least %d", free, blobPages*9/10)
	}
	pages2, _ := step(save("v2"))
	if pages2 > pages1+16 {
		t.Errorf("page count after delete and save = %d, want about %d (the freed pages reused)", pages2, pages1)
	}
}
