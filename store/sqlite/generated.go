package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/recd/recd"
	"github.com/recd/recd/store"
	"github.com/recd/recd/store/internal/codec"
)

var _ store.Descriptions = (*Store)(nil)

// PutGenerated implements store.Descriptions: it replaces the item's generated description
// and logs an item change in the same transaction; the owner's fields and updated_at are
// left as they are.
func (s *Store) PutGenerated(ctx context.Context, id string, g recd.Generated) error {
	col, err := codec.EncodeGenerated(g)
	if err != nil {
		return fmt.Errorf("put generated: %w", err)
	}
	return s.write(ctx, "put generated", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE items SET generated = ? WHERE id = ?`, col, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("item %q: %w", id, store.ErrNotFound)
		}
		return logChanges(ctx, tx, store.ChangeItem, []string{id}, false)
	})
}
