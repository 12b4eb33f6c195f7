// Package store owns the durable state of recd: the catalog, users, events and model artifacts.
// Backends live in subpackages (store/sqlite, store/postgres) and pass the conformance suite in store/storetest.
package store

import (
	"context"
	"time"

	"github.com/recd/recd"
)

// ErrNotFound is returned when a record does not exist. It is recd.ErrNotFound.
var ErrNotFound = recd.ErrNotFound

// Store is the durable state. A method that returns nil has made its write durable
// (it survives a crash of the process). Batch methods apply all or nothing in one transaction.
// Implementations are safe for concurrent use.
type Store interface {
	Catalog
	Users
	Events
	Artifacts
	// VectorLog persists item vectors so that the vector index can be rebuilt or caught up.
	VectorLog
	Close() error
}

// Catalog stores items.
type Catalog interface {
	// PutItems inserts or replaces items (and their vectors, if any) in one transaction.
	// CreatedAt is kept from an existing row; UpdatedAt is set to now.
	PutItems(ctx context.Context, items []recd.Item) error
	// GetItem returns the item with its vectors, or ErrNotFound.
	GetItem(ctx context.Context, id string) (recd.Item, error)
	// DeleteItem deletes an item and its vectors; ErrNotFound if it did not exist.
	DeleteItem(ctx context.Context, id string) error
	// ListItems returns up to limit items ordered by id after cursor (exclusive; "" starts at
	// the beginning), without vectors, and the cursor of the next page ("" at the end).
	ListItems(ctx context.Context, cursor string, limit int) ([]recd.Item, string, error)
	// ExistingItems returns the subset of ids that exist.
	ExistingItems(ctx context.Context, ids []string) (map[string]bool, error)
	// ScanItems calls fn for every item (without vectors) in id order; fn's error stops the scan.
	ScanItems(ctx context.Context, fn func(recd.Item) error) error
	// CountItems returns the number of items.
	CountItems(ctx context.Context) (int, error)
}

// Users stores users.
type Users interface {
	PutUser(ctx context.Context, u recd.User) error
	GetUser(ctx context.Context, id string) (recd.User, error)
	// DeleteUser deletes the user and all their events in one transaction; ErrNotFound if
	// neither the user nor any event of theirs existed.
	DeleteUser(ctx context.Context, id string) error
}

// Events stores the interaction log.
type Events interface {
	// AddEvents appends events in one transaction and assigns their Seq, in order.
	// Users named by the events are created if they do not exist.
	AddEvents(ctx context.Context, events []recd.Event) ([]recd.Event, error)
	// UserEvents returns up to limit events of one user, newest first (by Seq), starting after
	// the cursor ("" for the newest), and the next cursor ("" at the end).
	UserEvents(ctx context.Context, userID, cursor string, limit int) ([]recd.Event, string, error)
	// ScanEvents calls fn for every event with Seq > afterSeq in Seq order.
	ScanEvents(ctx context.Context, afterSeq int64, fn func(recd.Event) error) error
	// CountEvents returns the number of events.
	CountEvents(ctx context.Context) (int, error)
}

// Artifact is one saved model version.
type Artifact struct {
	Version string             `json:"version"`
	Kind    string             `json:"kind"`
	Created time.Time          `json:"created"`
	Metrics map[string]float64 `json:"metrics,omitempty"`
	Size    int64              `json:"size"`
	Blob    []byte             `json:"-"`
}

// Artifacts stores trained model versions.
type Artifacts interface {
	SaveArtifact(ctx context.Context, a Artifact) error
	// ListArtifacts returns every artifact's metadata (Blob nil), newest first. It reads no
	// blob, so its cost does not depend on the artifacts' sizes.
	ListArtifacts(ctx context.Context) ([]Artifact, error)
	// DeleteArtifact deletes one version and frees its blob's space for reuse; ErrNotFound if
	// it did not exist.
	DeleteArtifact(ctx context.Context, version string) error
	// LoadArtifact returns one version with its blob, or ErrNotFound.
	LoadArtifact(ctx context.Context, version string) (Artifact, error)
	// LatestArtifact returns the newest artifact of a kind with its blob, or ErrNotFound.
	LatestArtifact(ctx context.Context, kind string) (Artifact, error)
}

// VectorRecord is one item's vector in one space, as logged for the index.
type VectorRecord struct {
	Seq    int64 // strictly increasing in write order; a delete is logged with Vector nil
	ItemID string
	Space  string
	Vector []float32
}

// VectorLog gives the vector index a durable source to catch up from.
type VectorLog interface {
	// ScanVectors calls fn for every current vector with Seq > afterSeq in Seq order,
	// including tombstones (Vector nil) for deleted items.
	ScanVectors(ctx context.Context, afterSeq int64, fn func(VectorRecord) error) error
}

// Descriptions is implemented by stores that keep items' generated descriptions
// (recd.Generated) apart from the owner's fields. Every item a store returns carries its
// description, marked stale by the store when the fields it was written from changed;
// PutItems keeps it. Check for it with a type assertion.
type Descriptions interface {
	// PutGenerated sets an item's generated description and logs an item change, so replicas
	// following the change feed see it; ErrNotFound if the item does not exist.
	PutGenerated(ctx context.Context, id string, g recd.Generated) error
}
