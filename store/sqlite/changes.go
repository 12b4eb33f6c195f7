package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/recd/recd/store"
)

var _ store.ChangeFeed = (*Store)(nil)

// changeCols reads a change with, for an item put, the item as it is now (empty strings and
// zeros when the change is not an item put).
const changeCols = `c.seq, c.kind, c.id, c.deleted, i.id IS NOT NULL,
	COALESCE(i.id, ''), COALESCE(i.title, ''), COALESCE(i.text, ''), COALESCE(i.categories, '[]'),
	COALESCE(i.tags, '[]'), COALESCE(i.attributes, '{}'), COALESCE(i.available, 0), COALESCE(i.created, 0),
	COALESCE(i.updated, 0), COALESCE(i.generated, '')`

const changesPage = `SELECT ` + changeCols + ` FROM catalog_changes c
	LEFT JOIN items i ON c.kind = 'item' AND c.deleted = 0 AND i.id = c.id
	WHERE c.seq > ? ORDER BY c.seq LIMIT ?`

// changeRows is how many changes one multi-row INSERT carries (4 parameters each).
const changeRows = 128

// logChanges records the newest change of each id in the change feed, inside the writer's
// transaction, so the feed and the change commit together. SQLite has one writer, so the
// numbers are committed in increasing order. A later duplicate id in ids wins.
func logChanges(ctx context.Context, tx *sql.Tx, kind store.ChangeKind, ids []string, deleted bool) error {
	if len(ids) == 0 {
		return nil
	}
	var seq int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM catalog_changes`).Scan(&seq); err != nil {
		return fmt.Errorf("change feed: %w", err)
	}
	const upsert = ` ON CONFLICT (kind, id) DO UPDATE SET seq = excluded.seq, deleted = excluded.deleted`
	var full *sql.Stmt
	args := make([]any, 0, 4*changeRows)
	for lo := 0; lo < len(ids); lo += changeRows {
		chunk := ids[lo:min(lo+changeRows, len(ids))]
		args = args[:0]
		for _, id := range chunk {
			seq++
			args = append(args, string(kind), id, seq, deleted)
		}
		q := `INSERT INTO catalog_changes (kind, id, seq, deleted) VALUES ` + repeatJoin("(?, ?, ?, ?)", ", ", len(chunk)) + upsert
		var err error
		if len(chunk) == changeRows {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, q); err != nil {
					return fmt.Errorf("change feed: %w", err)
				}
				defer full.Close()
			}
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, q, args...)
		}
		if err != nil {
			return fmt.Errorf("change feed: %w", err)
		}
	}
	return nil
}

// ScanChanges implements store.ChangeFeed, a page at a time; no connection is held while fn runs.
func (s *Store) ScanChanges(ctx context.Context, afterSeq int64, fn func(store.Change) error) error {
	for {
		var page []store.Change
		err := s.read(ctx, "scan changes", func(tx *sql.Tx) error {
			rows, err := tx.QueryContext(ctx, changesPage, afterSeq, pageSize)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				c, err := scanChange(rows)
				if err != nil {
					return err
				}
				page = append(page, c)
			}
			return rows.Err()
		})
		if err != nil {
			return err
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

func scanChange(rows *sql.Rows) (store.Change, error) {
	var c store.Change
	var kind string
	var hasItem bool
	var it itemScan
	if err := rows.Scan(&c.Seq, &kind, &c.ID, &c.Deleted, &hasItem, &it.id, &it.title, &it.text, &it.cats,
		&it.tags, &it.attrs, &it.available, &it.created, &it.updated, &it.gen); err != nil {
		return c, err
	}
	c.Kind = store.ChangeKind(kind)
	if hasItem {
		item, err := scanItem(&it)
		if err != nil {
			return c, fmt.Errorf("change %d: %w", c.Seq, err)
		}
		c.Item = &item
	}
	return c, nil
}

// itemScan holds an item's columns read by a wider query, so scanItem can decode them.
type itemScan struct {
	id, title, text, cats, tags, attrs, gen string
	available                               bool
	created, updated                        int64
}

// Scan implements scanner by copying the held columns.
func (r *itemScan) Scan(dest ...any) error {
	if len(dest) != 10 {
		return fmt.Errorf("item scan: %d destinations, want 10", len(dest))
	}
	*dest[0].(*string), *dest[1].(*string), *dest[2].(*string) = r.id, r.title, r.text
	*dest[3].(*string), *dest[4].(*string), *dest[5].(*string) = r.cats, r.tags, r.attrs
	*dest[6].(*bool), *dest[7].(*int64), *dest[8].(*int64) = r.available, r.created, r.updated
	*dest[9].(*string) = r.gen
	return nil
}

// MaxChangeSeq implements store.ChangeFeed. It reads through the writer connection so that
// it sees every write acknowledged before the call.
func (s *Store) MaxChangeSeq(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.w.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM catalog_changes`).Scan(&seq); err != nil {
		return 0, wrap("max change seq", err)
	}
	return seq, nil
}
