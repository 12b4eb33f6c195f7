package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/recd/recd/store"
)

var _ store.ChangeFeed = (*Store)(nil)

// changesPage reads a page of changes with, for an item put, the item as it is now (read in
// the same statement, so from one snapshot).
const changesPage = `SELECT COALESCE(i.id, ''), COALESCE(i.title, ''), COALESCE(i.text, ''),
	COALESCE(i.categories::text, '[]'), COALESCE(i.tags::text, '[]'), COALESCE(i.attributes::text, '{}'),
	COALESCE(i.available, false), COALESCE(i.created, 0), COALESCE(i.updated, 0), COALESCE(i.generated, ''),
	c.seq, c.kind, c.id, c.deleted, i.id IS NOT NULL
	FROM catalog_changes c LEFT JOIN items i ON c.kind = 'item' AND NOT c.deleted AND i.id = c.id
	WHERE c.seq > $1 ORDER BY c.seq LIMIT $2`

// logChanges records the newest change of each id (distinct) in the change feed inside the
// writer's transaction. It takes changeLock, so numbers commit in increasing order; call it
// last in the transaction so the lock is held only until the commit.
func logChanges(ctx context.Context, tx pgx.Tx, kind store.ChangeKind, ids []string, deleted bool) error {
	if len(ids) == 0 {
		return nil
	}
	if err := lock(ctx, tx, changeLock); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO catalog_changes (kind, id, seq, deleted)
		SELECT $1, i, nextval('change_seq'), $3 FROM unnest($2::text[]) WITH ORDINALITY AS t(i, n) ORDER BY n
		ON CONFLICT (kind, id) DO UPDATE SET seq = excluded.seq, deleted = excluded.deleted`,
		string(kind), ids, deleted); err != nil {
		return fmt.Errorf("change feed: %w", err)
	}
	return nil
}

// ScanChanges implements store.ChangeFeed, a page at a time; no connection is held while fn runs.
func (s *Store) ScanChanges(ctx context.Context, afterSeq int64, fn func(store.Change) error) error {
	for {
		page, err := s.changePage(ctx, afterSeq)
		if err != nil {
			return wrap("scan changes", err)
		}
		for _, c := range page {
			if err := fn(c); err != nil {
				return err
			}
		}
		if len(page) < pageSize {
			return nil
		}
		afterSeq = page[len(page)-1].Seq
	}
}

func (s *Store) changePage(ctx context.Context, after int64) ([]store.Change, error) {
	rows, err := s.pool.Query(ctx, changesPage, after, pageSize)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var page []store.Change
	for rows.Next() {
		var c store.Change
		var kind string
		var hasItem bool
		it, err := scanItem(rows, &c.Seq, &kind, &c.ID, &c.Deleted, &hasItem)
		if err != nil {
			return nil, err
		}
		c.Kind = store.ChangeKind(kind)
		if hasItem {
			c.Item = &it
		}
		page = append(page, c)
	}
	return page, rows.Err()
}

// MaxChangeSeq implements store.ChangeFeed.
func (s *Store) MaxChangeSeq(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.pool.QueryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM catalog_changes`).Scan(&seq); err != nil {
		return 0, wrap("max change seq", err)
	}
	return seq, nil
}
