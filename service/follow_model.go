package service

import (
	"context"
	"errors"
	"fmt"
)

// followModel loads the newest published model when it is newer than the one serving: the
// artifacts' metadata is listed (no blob), and only a newer version is read, decoded,
// installed (its vectors written into the index) and swapped in atomically; requests in
// flight finish on the old snapshot. A local training run in progress wins: the check is
// skipped and done again at the next interval. The caller holds f.mu.
func (f *follower) followModel(ctx context.Context) error {
	arts, err := f.st.ListArtifacts(ctx)
	if err != nil {
		return fmt.Errorf("follow models: %w", err)
	}
	i := -1
	for n := range arts {
		if arts[n].Kind == artifactKind {
			i = n
			break
		}
	}
	if i < 0 {
		return nil
	}
	newest := arts[i]
	if cur := f.train.snap.Load(); cur != nil && (newest.Version == cur.info.Version || !newest.Created.After(cur.info.Created)) {
		return nil
	}
	if newest.Version == f.badVersion {
		return nil
	}
	loaded, err := f.train.loadPublished(ctx, newest.Version, f.shared)
	var bad badBundle
	if errors.As(err, &bad) {
		f.badVersion = newest.Version
		f.log.Error("a published model cannot be served by this binary; keeping the current one", "err", err)
		return nil
	}
	if err != nil {
		return fmt.Errorf("follow models: %w", err)
	}
	if loaded {
		f.status.Models++
	}
	return nil
}
