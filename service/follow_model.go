package service

import (
	"context"
	"fmt"

	"github.com/recd/recd"
)

// followModel loads the newest published model when it is newer than the one serving: the
// artifacts' metadata is listed (no blob), and only a newer version is read, decoded,
// installed (its vectors written into the index) and swapped in atomically; requests in
// flight finish on the old snapshot. A local training run in progress wins: the check is
// skipped and done again at the next interval. The caller holds follow.mu.
func (s *Service) followModel(ctx context.Context) error {
	arts, err := s.st.ListArtifacts(ctx)
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
	if cur := s.snap.Load(); cur != nil && (newest.Version == cur.info.Version || !newest.Created.After(cur.info.Created)) {
		return nil
	}
	if newest.Version == s.follow.badVersion {
		return nil
	}
	if !s.trainMu.TryLock() {
		return nil
	}
	defer s.trainMu.Unlock()
	art, err := s.st.LoadArtifact(ctx, newest.Version)
	if err != nil {
		return fmt.Errorf("follow models: %w", err)
	}
	bd, err := decodeBundle(art)
	if err != nil {
		s.follow.badVersion = newest.Version
		s.log.Error("a published model cannot be served by this binary; keeping the current one", "err", err)
		return nil
	}
	if s.follow.shared {
		// The trainer wrote the model's vectors into the shared index before publishing it.
		s.swap(bd, art.Size)
		if err := s.ensureTrainedSpaces(ctx, bd); err != nil {
			return fmt.Errorf("follow models: %w", err)
		}
	} else {
		var items []recd.Item
		if err := s.st.ScanItems(ctx, func(it recd.Item) error { items = append(items, it); return nil }); err != nil {
			return fmt.Errorf("follow models: read items: %w", err)
		}
		if err := s.install(ctx, bd, art.Size, items); err != nil {
			return fmt.Errorf("follow models: install %s: %w", bd.Version, err)
		}
	}
	s.follow.status.Models++
	s.follow.modelsLoaded.Add(1)
	s.log.Info("serving a model published by another process", "version", bd.Version, "created", bd.Created)
	return nil
}
