package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/store"
	"github.com/recd/recd/store/internal/codec"
)

// pageSize is how many rows a scan reads per query; no connection is held while fn runs.
const pageSize = 5000

// PutItems inserts or replaces items and their vectors in one transaction.
// See store.MaxIDLen for the conventions on vectors and timestamps.
func (s *Store) PutItems(ctx context.Context, items []recd.Item) error {
	nowNs := time.Now().UTC().UnixNano()
	rows := make([]codec.ItemRow, len(items))
	for i, it := range items {
		var err error
		if rows[i], err = codec.EncodeItem(i, it, nowNs); err != nil {
			return fmt.Errorf("put items: %w", err)
		}
	}
	return s.write(ctx, "put items", func(tx *sql.Tx) error {
		put := tx.StmtContext(ctx, s.ws.putItem)
		var seq int64 = -1
		for i, r := range rows {
			if _, err := put.ExecContext(ctx, r.ID, r.Title, r.Text, r.Categories, r.Tags, r.Attributes, r.Available, r.Created, nowNs); err != nil {
				return fmt.Errorf("item %d (%q): %w", i, r.ID, err)
			}
			if items[i].Vectors == nil {
				continue
			}
			if seq < 0 {
				if err := tx.StmtContext(ctx, s.ws.maxVecSeq).QueryRowContext(ctx).Scan(&seq); err != nil {
					return err
				}
			}
			if err := s.putVectors(ctx, tx, r.ID, items[i].Vectors, &seq); err != nil {
				return fmt.Errorf("item %d (%q) vectors: %w", i, r.ID, err)
			}
		}
		ids := make([]string, len(rows))
		for i, r := range rows {
			ids[i] = r.ID
		}
		return logChanges(ctx, tx, store.ChangeItem, ids, false)
	})
}

// GetItem returns the item with its vectors, or an error wrapping store.ErrNotFound.
func (s *Store) GetItem(ctx context.Context, id string) (recd.Item, error) {
	var it recd.Item
	err := s.read(ctx, "get item", func(tx *sql.Tx) error {
		var err error
		it, err = scanItem(tx.StmtContext(ctx, s.rs.getItem).QueryRowContext(ctx, id))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("item %q: %w", id, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		rows, err := tx.StmtContext(ctx, s.rs.getVecs).QueryContext(ctx, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var sp string
			var b []byte
			if err := rows.Scan(&sp, &b); err != nil {
				return err
			}
			v, err := codec.DecodeVector(b)
			if err != nil {
				return err
			}
			if it.Vectors == nil {
				it.Vectors = map[string][]float32{}
			}
			it.Vectors[sp] = v
		}
		return rows.Err()
	})
	return it, err
}

// DeleteItem deletes an item and logs tombstones for its vectors; store.ErrNotFound if absent.
func (s *Store) DeleteItem(ctx context.Context, id string) error {
	return s.write(ctx, "delete item", func(tx *sql.Tx) error {
		res, err := tx.StmtContext(ctx, s.ws.deleteItem).ExecContext(ctx, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("item %q: %w", id, store.ErrNotFound)
		}
		var seq int64
		if err := tx.StmtContext(ctx, s.ws.maxVecSeq).QueryRowContext(ctx).Scan(&seq); err != nil {
			return err
		}
		if err := s.putVectors(ctx, tx, id, map[string][]float32{}, &seq); err != nil {
			return err
		}
		return logChanges(ctx, tx, store.ChangeItem, []string{id}, true)
	})
}

// ListItems returns a page of items (without vectors) in id order after cursor.
func (s *Store) ListItems(ctx context.Context, cursor string, limit int) ([]recd.Item, string, error) {
	if err := codec.CheckLimit(limit); err != nil {
		return nil, "", fmt.Errorf("list items: %w", err)
	}
	items, err := s.itemPage(ctx, cursor, limit+1)
	if err != nil {
		return nil, "", wrap("list items", err)
	}
	if len(items) <= limit {
		return items, "", nil
	}
	items = items[:limit]
	return items, items[limit-1].ID, nil
}

func (s *Store) itemPage(ctx context.Context, after string, n int) ([]recd.Item, error) {
	rows, err := s.rs.listItems.QueryContext(ctx, after, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []recd.Item
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// ExistingItems returns which of ids exist (true for each existing id; absent ids are not keys).
func (s *Store) ExistingItems(ctx context.Context, ids []string) (map[string]bool, error) {
	out := make(map[string]bool, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	arg, err := json.Marshal(ids)
	if err != nil {
		return nil, fmt.Errorf("existing items: %w", err)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id FROM items WHERE id IN (SELECT value FROM json_each(?))`, string(arg))
	if err != nil {
		return nil, wrap("existing items", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, wrap("existing items", err)
		}
		out[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("existing items", err)
	}
	return out, nil
}

// ScanItems calls fn for every item in id order, reading a page at a time; items written
// during the scan may or may not be seen.
func (s *Store) ScanItems(ctx context.Context, fn func(recd.Item) error) error {
	after := ""
	for {
		page, err := s.itemPage(ctx, after, pageSize)
		if err != nil {
			return wrap("scan items", err)
		}
		for _, it := range page {
			if err := fn(it); err != nil {
				return err
			}
		}
		if len(page) < pageSize {
			return nil
		}
		after = page[len(page)-1].ID
	}
}

// CountItems returns the number of items.
func (s *Store) CountItems(ctx context.Context) (int, error) {
	var n int
	if err := s.rs.countItems.QueryRowContext(ctx).Scan(&n); err != nil {
		return 0, wrap("count items", err)
	}
	return n, nil
}

type scanner interface{ Scan(dest ...any) error }

func scanItem(sc scanner) (recd.Item, error) {
	var it recd.Item
	var cats, tags, attrs, gen string
	var created, updated int64
	if err := sc.Scan(&it.ID, &it.Title, &it.Text, &cats, &tags, &attrs, &it.Available, &created, &updated, &gen); err != nil {
		return it, err
	}
	var err error
	if it.Categories, err = codec.ParseStrings(cats); err != nil {
		return it, err
	}
	if it.Tags, err = codec.ParseStrings(tags); err != nil {
		return it, err
	}
	if it.Attributes, err = codec.ParseMap(attrs); err != nil {
		return it, err
	}
	it.CreatedAt, it.UpdatedAt = codec.Time(created), codec.Time(updated)
	return it, codec.DecodeGenerated(&it, gen)
}
