package service

import (
	"path/filepath"
	"testing"
	"time"
)

// TestService_StoreEvents_AppliesOnlyWhenAsked: StoreEvents stores a batch durably and leaves
// the live state alone until its apply runs, and a deletion of the batch's user waits for
// that apply, so it erases the batch with the rest of the history.
func TestService_StoreEvents_AppliesOnlyWhenAsked(t *testing.T) {
	ctx := t.Context()
	s := openTrained(t, filepath.Join(t.TempDir(), "recd.db"), nil, "")
	stored, apply, err := s.StoreEvents(ctx, victimEvents("late", 0))
	if err != nil {
		t.Fatal(err)
	}
	if evs, _, err := s.UserEvents(ctx, "late", "", 10); err != nil || len(evs) != len(stored) {
		t.Fatalf("stored events of late = %d, %v; want %d", len(evs), err, len(stored))
	}
	if h := s.History("late"); h != nil {
		t.Fatalf("the live history holds the batch before its apply: %v", h)
	}
	deleted := make(chan error, 1)
	go func() { deleted <- s.DeleteUser(ctx, "late") }()
	select {
	case err := <-deleted:
		t.Fatalf("the deletion ran before the stored batch was applied (err %v)", err)
	case <-time.After(100 * time.Millisecond):
	}
	apply()
	if err := <-deleted; err != nil {
		t.Fatal(err)
	}
	if h := s.History("late"); h != nil {
		t.Errorf("history of late after the delete: %v", h)
	}
	if evs, _, _ := s.UserEvents(ctx, "late", "", 10); len(evs) != 0 {
		t.Errorf("%d stored events of late after the delete", len(evs))
	}

	if _, apply, err = s.StoreEvents(ctx, victimEvents("kept", 1)); err != nil {
		t.Fatal(err)
	}
	apply()
	if h := s.History("kept"); len(h) == 0 {
		t.Error("the live history lacks the batch after its apply")
	}
}
