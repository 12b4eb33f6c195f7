package sqlite

import (
	"context"
	"fmt"

	"github.com/recd/recd/store"
)

var _ store.EventLogState = (*Store)(nil)

// StoreIdentity implements store.EventLogState.
func (s *Store) StoreIdentity(ctx context.Context) (string, int, error) {
	var id string
	if err := s.r.QueryRowContext(ctx, `SELECT id FROM store_identity`).Scan(&id); err != nil {
		return "", 0, fmt.Errorf("store identity: %w", err)
	}
	return id, len(migrations), nil
}

// EventsUpTo implements store.EventLogState. It reads through the writer connection so that
// it sees every write acknowledged before the call; seq is the rowid, so this counts a range
// of the table's b-tree.
func (s *Store) EventsUpTo(ctx context.Context, seq int64) (int64, int64, error) {
	var n, newest int64
	err := s.w.QueryRowContext(ctx, `SELECT count(*), COALESCE(MAX(seq), 0) FROM events WHERE seq <= ?`, seq).Scan(&n, &newest)
	if err != nil {
		return 0, 0, fmt.Errorf("count events: %w", err)
	}
	return n, newest, nil
}
