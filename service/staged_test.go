package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/recd/recd"
)

// TestPutItemsStaged_SnapshotWaitsForTheIndexStage: an index snapshot taken between the two
// stages would record vectors it lacks, so SaveIndex must wait for the index stage.
func TestPutItemsStaged_SnapshotWaitsForTheIndexStage(t *testing.T) {
	ctx := context.Background()
	svc, err := open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	index, err := svc.PutItemsStaged(ctx, []recd.Item{{ID: "a", Available: true, Vectors: map[string][]float32{"v": {1, 0}}}})
	if err != nil {
		t.Fatal(err)
	}
	saved := make(chan error, 1)
	go func() { saved <- svc.SaveIndex(ctx) }()
	select {
	case err := <-saved:
		t.Fatalf("SaveIndex finished (%v) before the stored batch was indexed", err)
	case <-time.After(50 * time.Millisecond):
	}
	if err := index(); err != nil {
		t.Fatal(err)
	}
	if err := <-saved; err != nil {
		t.Fatal(err)
	}
	sp, _ := svc.Spaces(ctx)
	if len(sp) != 1 || sp[0].Count != 1 {
		t.Errorf("spaces after the index stage: %+v", sp)
	}
}
