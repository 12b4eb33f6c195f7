package postgres_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/recd/recd/store"
)

// The shared snapshot round-trips byte for byte across several parts, a put replaces it
// whole, puts from several processes at once leave exactly one of them, a reader meanwhile
// always gets one whole copy, and a put whose reader fails leaves the old one.
func TestSharedSnapshot(t *testing.T) {
	o := &schemaOpener{dsn: testDSN(t), created: map[string]bool{}}
	st := o.open(t)
	defer st.Close()
	s := st.(store.SharedSnapshots)
	ctx := t.Context()
	if _, _, err := s.SharedSnapshotInfo(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("info of an empty store: %v, want ErrNotFound", err)
	}
	var sink bytes.Buffer
	if _, err := s.ReadSharedSnapshot(ctx, &sink); !errors.Is(err, store.ErrNotFound) || sink.Len() != 0 {
		t.Fatalf("read of an empty store: %v, %d bytes; want ErrNotFound and nothing", err, sink.Len())
	}

	blob := func(seed uint64, n int) []byte {
		b := make([]byte, n)
		r := rand.New(rand.NewPCG(seed, 1))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	first := blob(1, 9<<20+123) // three parts, the last short
	at := time.Unix(1_700_000_000, 5).UTC()
	if n, err := s.PutSharedSnapshot(ctx, at, bytes.NewReader(first)); err != nil || n != int64(len(first)) {
		t.Fatalf("put: %d, %v; want %d", n, err, len(first))
	}
	if c, size, err := s.SharedSnapshotInfo(ctx); err != nil || !c.Equal(at) || size != int64(len(first)) {
		t.Fatalf("info: %v %d %v; want %v %d", c, size, err, at, len(first))
	}
	var got bytes.Buffer
	if n, err := s.ReadSharedSnapshot(ctx, &got); err != nil || n != int64(len(first)) || !bytes.Equal(got.Bytes(), first) {
		t.Fatalf("read: %d, %v, equal %v", n, err, bytes.Equal(got.Bytes(), first))
	}

	// A put whose reader fails changes nothing.
	failing := io.MultiReader(bytes.NewReader(blob(2, 5<<20)), iotest.ErrReader(errors.New("disk gone")))
	if _, err := s.PutSharedSnapshot(ctx, at.Add(time.Hour), failing); err == nil {
		t.Fatal("a put whose reader failed succeeded")
	}
	got.Reset()
	if _, err := s.ReadSharedSnapshot(ctx, &got); err != nil || !bytes.Equal(got.Bytes(), first) {
		t.Fatalf("after a failed put: %v, equal %v; want the first snapshot", err, bytes.Equal(got.Bytes(), first))
	}

	// Puts at once from four writers (as replicas publishing together), with a reader
	// running throughout: one whole copy at every read, and one of the four at the end.
	small := [][]byte{blob(3, 4<<20), blob(4, 1), blob(5, 6<<20), blob(6, 4<<20+1)}
	var wg sync.WaitGroup
	errs := make([]error, len(small))
	for i, b := range small {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.PutSharedSnapshot(ctx, at.Add(time.Duration(i)*time.Minute), bytes.NewReader(b))
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	whole := func(b []byte) bool {
		if bytes.Equal(b, first) {
			return true
		}
		for _, w := range small {
			if bytes.Equal(b, w) {
				return true
			}
		}
		return false
	}
	for reading := true; reading; {
		select {
		case <-done:
			reading = false
		default:
		}
		got.Reset()
		if _, err := s.ReadSharedSnapshot(ctx, &got); err != nil || !whole(got.Bytes()) {
			t.Fatalf("a read during puts: %v, %d bytes, a whole copy: %v", err, got.Len(), whole(got.Bytes()))
		}
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("put %d: %v", i, err)
		}
	}
	got.Reset()
	if _, err := s.ReadSharedSnapshot(ctx, &got); err != nil || bytes.Equal(got.Bytes(), first) || !whole(got.Bytes()) {
		t.Errorf("after the puts: %v, %d bytes; want one of the four", err, got.Len())
	}
}
