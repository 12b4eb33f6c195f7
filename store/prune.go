package store

import (
	"context"
	"errors"
	"fmt"
)

// PruneArtifacts deletes the artifacts of one kind except the keep newest (by Created, then
// Version, as ListArtifacts orders them) and those protected reports true for (the version
// being served, versions pinned by configuration or an experiment). Artifacts of other kinds
// are left alone. keep below 1 counts as 1. It reads metadata only and returns the deleted
// versions, newest first; a version deleted meanwhile by another process is not an error.
func PruneArtifacts(ctx context.Context, a Artifacts, kind string, keep int, protected func(version string) bool) ([]string, error) {
	if keep < 1 {
		keep = 1
	}
	list, err := a.ListArtifacts(ctx)
	if err != nil {
		return nil, fmt.Errorf("prune artifacts: %w", err)
	}
	var deleted []string
	seen := 0
	for _, art := range list {
		if art.Kind != kind {
			continue
		}
		seen++
		if seen <= keep || (protected != nil && protected(art.Version)) {
			continue
		}
		if err := a.DeleteArtifact(ctx, art.Version); err != nil && !errors.Is(err, ErrNotFound) {
			return deleted, fmt.Errorf("prune artifacts: %w", err)
		}
		deleted = append(deleted, art.Version)
	}
	return deleted, nil
}
