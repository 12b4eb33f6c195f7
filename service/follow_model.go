package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/recd/recd/store"
)

// followAttempts bounds how often followModel lists again after the version it was about to
// load was pruned meanwhile.
const followAttempts = 3

// followModel loads the newest published model when it is newer than the one serving: the
// artifacts' metadata is listed (no blob), and only a newer version is read, decoded,
// installed (its vectors written into the index) and swapped in atomically; requests in
// flight finish on the old snapshot. A version pruned between the listing and the load (the
// publisher keeps only its newest few) is not an error: the list is read again and the
// newest loaded instead. A local training run in progress wins: the check is skipped and done
// again at the next interval. The caller holds f.mu.
func (f *follower) followModel(ctx context.Context) error {
	for range followAttempts - 1 {
		err := f.followNewest(ctx)
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		f.log.Info("a published model was pruned before it was loaded; loading the newest instead", "err", err)
	}
	return f.followNewest(ctx)
}

// followNewest is one attempt of followModel; an error wrapping store.ErrNotFound means the
// version listed as newest is gone.
func (f *follower) followNewest(ctx context.Context) error {
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
