package store

import "context"

// VectorSeqer is implemented by stores that can tell the newest vector-log sequence cheaply,
// so that an index snapshot can record how far it has caught up.
type VectorSeqer interface {
	// MaxVectorSeq returns the highest Seq in the vector log (0 when empty).
	MaxVectorSeq(ctx context.Context) (int64, error)
}
