package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/recd/recd"
	"github.com/recd/recd/store"
	"github.com/recd/recd/store/internal/codec"
)

var _ store.Descriptions = (*Store)(nil)

// PutGenerated implements store.Descriptions: it replaces the item's generated description
// and logs an item change in the same transaction; the owner's fields and updated are left
// as they are.
func (s *Store) PutGenerated(ctx context.Context, id string, g recd.Generated) error {
	col, err := codec.EncodeGenerated(g)
	if err != nil {
		return fmt.Errorf("put generated: %w", err)
	}
	return s.write(ctx, "put generated", func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE items SET generated = $1 WHERE id = $2`, col, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("item %q: %w", id, store.ErrNotFound)
		}
		return logChanges(ctx, tx, store.ChangeItem, []string{id}, false)
	})
}
