package sqlite

import (
	"context"
	"fmt"

	"github.com/recd/recd/store"
)

var _ store.VectorSeqer = (*Store)(nil)

// MaxVectorSeq implements store.VectorSeqer. It reads through the writer connection so that
// it sees every write acknowledged before the call.
func (s *Store) MaxVectorSeq(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.w.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM item_vectors`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("max vector seq: %w", err)
	}
	return seq, nil
}
