package qdrant

import (
	"github.com/google/uuid"
	"github.com/qdrant/go-client/qdrant"
)

// idNamespace is the UUIDv5 namespace of recd item ids: the UUIDv5 of
// "https://github.com/recd/recd/items" in the URL namespace. Changing it orphans every point
// already written.
var idNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://github.com/recd/recd/items"))

// PointID returns the Qdrant point id of an item id: the UUIDv5 of id in recd's namespace,
// in canonical text form. It is deterministic, so every replica agrees without a lookup
// table; the original id is kept in the point's payload under "id".
func PointID(id string) string { return uuid.NewSHA1(idNamespace, []byte(id)).String() }

func pointIDs(ids []string) []*qdrant.PointId {
	out := make([]*qdrant.PointId, len(ids))
	for i, id := range ids {
		out[i] = qdrant.NewIDUUID(PointID(id))
	}
	return out
}
