package storetest

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/store"
)

const concWriters, concBatches, concPerBatch = 4, 15, 5

// testConcurrency runs writers and readers in parallel (run it under -race) and checks that
// every write landed once and Seq stayed unique and in order.
func testConcurrency(t *testing.T, open Opener) {
	s := openStore(t, open)
	ctx := t.Context()
	var wg sync.WaitGroup
	seqs := make([][]int64, concWriters)
	errs := make(chan error, 64)
	stop := make(chan struct{})
	for w := range concWriters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := concWrite(ctx, s, w, &seqs[w]); err != nil {
				errs <- err
			}
		}()
	}
	var readers sync.WaitGroup
	tl := &tailer{s: s, events: map[int64]int{}, vectors: map[string]int{}}
	readers.Add(1)
	go func() {
		defer readers.Done()
		untilStopped(stop, errs, func() error {
			if err := tl.tail(ctx); err != nil {
				return fmt.Errorf("tailer: %w", err)
			}
			return nil
		})
	}()
	for r := range 2 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			untilStopped(stop, errs, func() error { return concRead(ctx, s, r) })
		}()
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	checkConcurrent(t, s, tl, seqs)
}

// concWrite is one writer of testConcurrency: batches of events for its own user, each
// followed by an item with a vector; the Seqs it was acknowledged are appended to seqs.
func concWrite(ctx context.Context, s store.Store, w int, seqs *[]int64) error {
	user := fmt.Sprintf("writer-%d", w)
	for b := range concBatches {
		var batch []recd.Event
		for i := range concPerBatch {
			batch = append(batch, event(user, fmt.Sprintf("i%d", i), b*concPerBatch+i))
		}
		got, err := s.AddEvents(ctx, batch)
		if err != nil {
			return fmt.Errorf("writer %d AddEvents: %w", w, err)
		}
		for _, e := range got {
			*seqs = append(*seqs, e.Seq)
		}
		it := sampleItem(fmt.Sprintf("w%d-%d", w, b))
		it.Vectors = map[string][]float32{"cf": {float32(w), float32(b)}}
		if err := s.PutItems(ctx, []recd.Item{it}); err != nil {
			return fmt.Errorf("writer %d PutItems: %w", w, err)
		}
	}
	return nil
}

// untilStopped calls step until stop is closed or step fails, whose error goes to errs.
func untilStopped(stop <-chan struct{}, errs chan<- error, step func() error) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		if err := step(); err != nil {
			errs <- err
			return
		}
	}
}

// tailer follows both logs the way an index or a model catches up: it asks only for records
// after the last Seq it has seen, so a record committed late with a lower Seq would be missed.
// It counts how often it saw each record. Not safe for concurrent use.
type tailer struct {
	s                     store.Store
	events                map[int64]int
	vectors               map[string]int
	lastEvent, lastVector int64
}

func (tl *tailer) tail(ctx context.Context) error {
	if err := tl.s.ScanEvents(ctx, tl.lastEvent, func(e recd.Event) error {
		tl.events[e.Seq]++
		tl.lastEvent = e.Seq
		return nil
	}); err != nil {
		return err
	}
	return tl.s.ScanVectors(ctx, tl.lastVector, func(r store.VectorRecord) error {
		tl.vectors[r.ItemID+"/"+r.Space]++
		tl.lastVector = r.Seq
		return nil
	})
}

// concRead is one pass of a reader of testConcurrency over every read method, checking that
// a full scan sees Seqs in order.
func concRead(ctx context.Context, s store.Store, r int) error {
	if _, _, err := s.UserEvents(ctx, fmt.Sprintf("writer-%d", r), "", 10); err != nil {
		return fmt.Errorf("reader UserEvents: %w", err)
	}
	last := int64(0)
	if err := s.ScanEvents(ctx, 0, func(e recd.Event) error {
		if e.Seq <= last {
			return fmt.Errorf("ScanEvents seq %d after %d", e.Seq, last)
		}
		last = e.Seq
		return nil
	}); err != nil {
		return fmt.Errorf("reader: %w", err)
	}
	if _, _, err := s.ListItems(ctx, "", 20); err != nil {
		return fmt.Errorf("reader ListItems: %w", err)
	}
	if err := s.ScanVectors(ctx, 0, func(store.VectorRecord) error { return nil }); err != nil {
		return fmt.Errorf("reader ScanVectors: %w", err)
	}
	return nil
}

// checkConcurrent checks the end state of testConcurrency: every acknowledged write stored
// once, in Seq order per writer, and seen exactly once by the tailer.
func checkConcurrent(t *testing.T, s store.Store, tl *tailer, seqs [][]int64) {
	t.Helper()
	all := scanEvents(t, s, 0)
	if len(all) != concWriters*concBatches*concPerBatch {
		t.Fatalf("%d events stored, want %d", len(all), concWriters*concBatches*concPerBatch)
	}
	must(t, tl.tail(t.Context()), "final tail")
	if len(tl.events) != len(all) {
		t.Errorf("tailing ScanEvents saw %d events of %d: Seq was not committed in order", len(tl.events), len(all))
	}
	if len(tl.vectors) != concWriters*concBatches {
		t.Errorf("tailing ScanVectors saw %d vectors of %d: Seq was not committed in order", len(tl.vectors), concWriters*concBatches)
	}
	for seq, n := range tl.events {
		if n != 1 {
			t.Errorf("tailer saw event %d %d times", seq, n)
		}
	}
	seen := map[int64]bool{}
	for _, e := range all {
		seen[e.Seq] = true
	}
	for w, ss := range seqs {
		for i, q := range ss {
			if !seen[q] {
				t.Errorf("writer %d: acknowledged seq %d not stored", w, q)
			}
			if i > 0 && q <= ss[i-1] {
				t.Errorf("writer %d: seq %d after %d", w, q, ss[i-1])
			}
		}
	}
	if n, err := s.CountItems(t.Context()); err != nil || n != concWriters*concBatches {
		t.Errorf("CountItems = %d, %v; want %d", n, err, concWriters*concBatches)
	}
}

// testReopen writes every kind of record, closes the store, reopens it and finds them all.
func testReopen(t *testing.T, open Opener) {
	s := openStore(t, open)
	ctx := t.Context()
	it := sampleItem("a")
	it.Vectors = map[string][]float32{"cf": {1.5, -2}}
	must(t, s.PutItems(ctx, []recd.Item{it, sampleItem("b")}), "PutItems")
	must(t, s.DeleteItem(ctx, "b"), "DeleteItem")
	must(t, s.PutUser(ctx, recd.User{ID: "u", Attributes: map[string]any{"k": "v"}}), "PutUser")
	evs := addEvents(t, s, []recd.Event{event("u", "a", 1), event("x", "a", 2)})
	must(t, s.DeleteUser(ctx, "x"), "DeleteUser")
	must(t, s.SaveArtifact(ctx, store.Artifact{Version: "v1", Kind: "k", Blob: []byte{1, 2, 3}}), "SaveArtifact")
	vecs := scanVectors(t, s, 0)
	s.close(t)

	s = openStore(t, open)
	got, err := s.GetItem(ctx, "a")
	must(t, err, "GetItem after reopen")
	checkItem(t, got, it)
	checkVectors(t, "a", got.Vectors, it.Vectors)
	_, err = s.GetItem(ctx, "b")
	wantNotFound(t, err, "deleted item after reopen")
	if u, err := s.GetUser(ctx, "u"); err != nil || u.Attributes["k"] != "v" {
		t.Errorf("GetUser after reopen = %+v, %v", u, err)
	}
	scanned := scanEvents(t, s, 0)
	if len(scanned) != 1 {
		t.Fatalf("events after reopen: %v, want 1", scanned)
	}
	checkEvent(t, scanned[0], evs[0])
	if a, err := s.LoadArtifact(ctx, "v1"); err != nil || !bytes.Equal(a.Blob, []byte{1, 2, 3}) {
		t.Errorf("LoadArtifact after reopen = %+v, %v", a, err)
	}
	again := scanVectors(t, s, 0)
	if len(again) != len(vecs) {
		t.Fatalf("vector log after reopen: %v, want %v", again, vecs)
	}
	for i := range vecs {
		if again[i].Seq != vecs[i].Seq || again[i].ItemID != vecs[i].ItemID || !equalOrNil(again[i].Vector, vecs[i].Vector) {
			t.Errorf("vector log[%d] after reopen = %+v, want %+v", i, again[i], vecs[i])
		}
	}
	// Sequence numbers keep increasing across a reopen, even past deleted events.
	next := addEvents(t, s, []recd.Event{event("u", "a", 3)})
	if next[0].Seq <= evs[1].Seq {
		t.Errorf("Seq after reopen = %d, want more than the deleted newest %d", next[0].Seq, evs[1].Seq)
	}
	it.Vectors = map[string][]float32{"cf": {0, 0}}
	must(t, s.PutItems(ctx, []recd.Item{it}), "PutItems after reopen")
	if got := scanVectors(t, s, maxSeq(vecs)); len(got) != 1 {
		t.Errorf("vector seq after reopen did not advance past %d: %v", maxSeq(vecs), got)
	}
}

func equalOrNil(a, b []float32) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return equalVec(a, b)
}
