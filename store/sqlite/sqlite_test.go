package sqlite_test

import (
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/recd/recd/store"
	"github.com/recd/recd/store/sqlite"
	"github.com/recd/recd/store/storetest"
)

// opener returns a storetest opener that gives each test its own database file and reopens
// the same file when called again for the same test.
func opener() func(t *testing.T) store.Store {
	var mu sync.Mutex
	paths := map[string]string{}
	return func(t *testing.T) store.Store {
		t.Helper()
		mu.Lock()
		path, ok := paths[t.Name()]
		if !ok {
			path = filepath.Join(t.TempDir(), strings.NewReplacer("/", "_").Replace(t.Name())+".db")
			paths[t.Name()] = path
		}
		mu.Unlock()
		s, err := sqlite.Open(path, sqlite.DefaultOptions())
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		return s
	}
}

func TestStore_Conformance(t *testing.T) {
	storetest.Run(t, opener())
}
