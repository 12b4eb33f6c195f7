package storetest

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/recd/recd/store"
)

func testArtifacts(t *testing.T, open Opener) {
	s := openStore(t, open)
	ctx := t.Context()
	_, err := s.LatestArtifact(ctx, "itemknn")
	wantNotFound(t, err, "LatestArtifact on an empty store")
	if list, err := s.ListArtifacts(ctx); err != nil || len(list) != 0 {
		t.Errorf("ListArtifacts on an empty store = %v, %v", list, err)
	}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	big := bytes.Repeat([]byte{0, 1, 2, 255}, 1<<18) // 1 MiB with zero bytes
	arts := []store.Artifact{
		{Version: "v1", Kind: "itemknn", Created: base, Metrics: map[string]float64{"ndcg@10": 0.25}, Blob: []byte("one")},
		{Version: "v2", Kind: "popularity", Created: base.Add(time.Hour), Blob: []byte("two")},
		{Version: "v3", Kind: "itemknn", Created: base.Add(2 * time.Hour), Metrics: map[string]float64{"ndcg@10": 0.5, "recall": 1}, Blob: big},
		{Version: "v0", Kind: "itemknn", Created: base.Add(-time.Hour), Blob: []byte("old, saved last")},
	}
	for _, a := range arts {
		must(t, s.SaveArtifact(ctx, a), "SaveArtifact "+a.Version)
	}

	list, err := s.ListArtifacts(ctx)
	must(t, err, "ListArtifacts")
	wantOrder := []string{"v3", "v2", "v1", "v0"}
	if len(list) != len(wantOrder) {
		t.Fatalf("ListArtifacts = %d artifacts, want %d", len(list), len(wantOrder))
	}
	byVersion := map[string]store.Artifact{}
	for _, a := range arts {
		byVersion[a.Version] = a
	}
	for i, got := range list {
		want := byVersion[wantOrder[i]]
		if got.Version != want.Version {
			t.Errorf("ListArtifacts[%d] = %s, want %s (newest first)", i, got.Version, want.Version)
			continue
		}
		if got.Blob != nil {
			t.Errorf("ListArtifacts returned the blob of %s", got.Version)
		}
		checkArtifactMeta(t, got, want)
	}

	got, err := s.LoadArtifact(ctx, "v3")
	must(t, err, "LoadArtifact")
	checkArtifactMeta(t, got, arts[2])
	if !bytes.Equal(got.Blob, big) {
		t.Errorf("LoadArtifact blob: %d bytes, want the %d saved", len(got.Blob), len(big))
	}
	_, err = s.LoadArtifact(ctx, "v9")
	wantNotFound(t, err, "LoadArtifact(v9)")

	latest, err := s.LatestArtifact(ctx, "itemknn")
	must(t, err, "LatestArtifact")
	if latest.Version != "v3" || !bytes.Equal(latest.Blob, big) {
		t.Errorf("LatestArtifact(itemknn) = %s (%d bytes), want v3 with its blob", latest.Version, len(latest.Blob))
	}
	if latest, err := s.LatestArtifact(ctx, "popularity"); err != nil || latest.Version != "v2" || string(latest.Blob) != "two" {
		t.Errorf("LatestArtifact(popularity) = %+v, %v", latest, err)
	}
	_, err = s.LatestArtifact(ctx, "als")
	wantNotFound(t, err, "LatestArtifact(als)")
}

func checkArtifactMeta(t *testing.T, got, want store.Artifact) {
	t.Helper()
	wantSize := want.Size
	if wantSize == 0 {
		wantSize = int64(len(want.Blob))
	}
	if got.Kind != want.Kind || !got.Created.Equal(want.Created) || got.Size != wantSize {
		t.Errorf("artifact %s: got kind %q created %v size %d, want %q %v %d",
			want.Version, got.Kind, got.Created, got.Size, want.Kind, want.Created, wantSize)
	}
	if len(got.Metrics)+len(want.Metrics) > 0 && !reflect.DeepEqual(got.Metrics, want.Metrics) {
		t.Errorf("artifact %s: metrics %v, want %v", want.Version, got.Metrics, want.Metrics)
	}
}
