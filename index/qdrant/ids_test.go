package qdrant

import (
	"fmt"
	"testing"

	"github.com/google/uuid"
)

func TestPointID(t *testing.T) {
	t.Run("golden", func(t *testing.T) {
		// Pinned values: changing the namespace or the scheme would orphan every point
		// already stored. They were cross-checked with Python's uuid.uuid5 (uuid5(uuid5(
		// NAMESPACE_URL, "https://github.com/recd/recd/items"), id)).
		for id, want := range map[string]string{
			"1":        "7281a6d6-8ee6-5044-aa86-8486a8a7db31",
			"movie:42": "e177626f-42f1-5733-b2f4-187292656e15",
		} {
			if got := PointID(id); got != want {
				t.Errorf("PointID(%q) = %s, want %s", id, got, want)
			}
		}
	})
	t.Run("uuid version 5, deterministic, distinct", func(t *testing.T) {
		seen := map[string]string{}
		for i := 0; i < 10000; i++ {
			id := fmt.Sprintf("item-%d", i)
			got := PointID(id)
			u, err := uuid.Parse(got)
			if err != nil || u.Version() != 5 || u.Variant() != uuid.RFC4122 {
				t.Fatalf("PointID(%q) = %s: not an RFC 4122 version 5 UUID (%v)", id, got, err)
			}
			if again := PointID(id); again != got {
				t.Fatalf("PointID(%q) not deterministic: %s then %s", id, got, again)
			}
			if prev, dup := seen[got]; dup {
				t.Fatalf("PointID(%q) = PointID(%q) = %s", id, prev, got)
			}
			seen[got] = id
		}
	})
	t.Run("case and whitespace matter", func(t *testing.T) {
		if PointID("a") == PointID("A") || PointID("a") == PointID("a ") {
			t.Error("distinct ids map to the same point id")
		}
	})
}
