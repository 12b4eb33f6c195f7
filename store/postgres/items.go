package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/recd/recd"
	"github.com/recd/recd/store"
	"github.com/recd/recd/store/internal/codec"
)

const itemCols = `id, title, text, categories::text, tags::text, attributes::text, available, created, updated, generated`

// PutItems inserts or replaces items and their vectors in one transaction with set-based
// statements (a constant number of round trips per batch). See store.MaxIDLen for the
// conventions on vectors and timestamps.
func (s *Store) PutItems(ctx context.Context, items []recd.Item) error {
	now := time.Now().UTC().UnixNano()
	c, err := itemColumns(items, now)
	if err != nil {
		return fmt.Errorf("put items: %w", err)
	}
	if len(c.ids) == 0 {
		return nil
	}
	return s.write(ctx, "put items", func(tx pgx.Tx) error {
		if err := c.put(ctx, tx, now); err != nil {
			return err
		}
		return logChanges(ctx, tx, store.ChangeItem, c.ids, false)
	})
}

// itemColumnArrays holds a batch of items as the column arrays that PutItems unnests, one entry per
// distinct id, and the vectors of the items whose vector set is replaced.
type itemColumnArrays struct {
	ids, titles, texts, cats, tags, attrs []string
	avail                                 []bool
	created                               []int64
	vecIDs                                []string // items whose vector set is replaced
	vItem, vSpace                         []string
	vBlob                                 [][]byte
}

// itemColumns encodes items into column arrays. A later entry with the same id wins, as if
// the batch were applied in order, and rows are in id order so that concurrent batches lock
// them in the same order.
func itemColumns(items []recd.Item, now int64) (*itemColumnArrays, error) {
	last := make(map[string]int, len(items))
	for i, it := range items {
		last[it.ID] = i
	}
	order := make([]int, 0, len(last))
	for i, it := range items {
		if last[it.ID] == i {
			order = append(order, i)
		}
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(items[a].ID, items[b].ID) })
	c := &itemColumnArrays{}
	for _, i := range order {
		it := items[i]
		r, err := codec.EncodeItem(i, it, now)
		if err != nil {
			return nil, err
		}
		c.ids, c.titles, c.texts = append(c.ids, r.ID), append(c.titles, r.Title), append(c.texts, r.Text)
		c.cats, c.tags, c.attrs = append(c.cats, r.Categories), append(c.tags, r.Tags), append(c.attrs, r.Attributes)
		c.avail, c.created = append(c.avail, r.Available), append(c.created, r.Created)
		if it.Vectors != nil {
			c.vecIDs = append(c.vecIDs, it.ID)
			for sp, v := range it.Vectors {
				c.vItem, c.vSpace, c.vBlob = append(c.vItem, it.ID), append(c.vSpace, sp), append(c.vBlob, codec.EncodeVector(v))
			}
		}
	}
	return c, nil
}

// put upserts the rows and replaces the vector sets of the items that carry one.
func (c *itemColumnArrays) put(ctx context.Context, tx pgx.Tx, now int64) error {
	if _, err := tx.Exec(ctx, `INSERT INTO items (id, title, text, categories, tags, attributes, available, created, updated)
		SELECT i, ti, te, c::jsonb, tg::jsonb, a::jsonb, av, cr, $9
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bool[], $8::bigint[])
			AS t(i, ti, te, c, tg, a, av, cr)
		ON CONFLICT (id) DO UPDATE SET title = excluded.title, text = excluded.text,
			categories = excluded.categories, tags = excluded.tags, attributes = excluded.attributes,
			available = excluded.available, updated = excluded.updated`,
		c.ids, c.titles, c.texts, c.cats, c.tags, c.attrs, c.avail, c.created, now); err != nil {
		return err
	}
	if len(c.vecIDs) == 0 {
		return nil
	}
	if err := lock(ctx, tx, vectorLock); err != nil {
		return err
	}
	// Tombstone the live spaces the new sets no longer name, then upsert the new vectors.
	if _, err := tx.Exec(ctx, `UPDATE item_vectors v SET vec = NULL, seq = nextval('vector_seq')
		WHERE v.item_id = ANY($1::text[]) AND v.vec IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM unnest($2::text[], $3::text[]) AS n(i, s)
			WHERE n.i = v.item_id AND n.s = v.space)`, c.vecIDs, c.vItem, c.vSpace); err != nil {
		return err
	}
	if len(c.vItem) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO item_vectors (item_id, space, seq, vec)
		SELECT i, s, nextval('vector_seq'), v FROM unnest($1::text[], $2::text[], $3::bytea[]) AS t(i, s, v)
		ON CONFLICT (item_id, space) DO UPDATE SET seq = excluded.seq, vec = excluded.vec`,
		c.vItem, c.vSpace, c.vBlob)
	return err
}

// GetItem returns the item with its vectors (read in one statement, so from one snapshot),
// or an error wrapping store.ErrNotFound.
func (s *Store) GetItem(ctx context.Context, id string) (recd.Item, error) {
	var spaces []string
	var blobs [][]byte
	row := s.pool.QueryRow(ctx, `SELECT `+itemCols+`,
		ARRAY(SELECT space FROM item_vectors WHERE item_id = $1 AND vec IS NOT NULL ORDER BY space),
		ARRAY(SELECT vec FROM item_vectors WHERE item_id = $1 AND vec IS NOT NULL ORDER BY space)
		FROM items WHERE id = $1`, id)
	it, err := scanItem(row, &spaces, &blobs)
	if errors.Is(err, pgx.ErrNoRows) {
		return it, fmt.Errorf("get item %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return it, wrap("get item", err)
	}
	if len(spaces) != len(blobs) {
		return it, fmt.Errorf("get item %q: %d spaces for %d vectors", id, len(spaces), len(blobs))
	}
	for i, sp := range spaces {
		v, err := codec.DecodeVector(blobs[i])
		if err != nil {
			return it, fmt.Errorf("get item %q: %w", id, err)
		}
		if it.Vectors == nil {
			it.Vectors = map[string][]float32{}
		}
		it.Vectors[sp] = v
	}
	return it, nil
}

// DeleteItem deletes an item and logs tombstones for its vectors; store.ErrNotFound if absent.
func (s *Store) DeleteItem(ctx context.Context, id string) error {
	return s.write(ctx, "delete item", func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM items WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("item %q: %w", id, store.ErrNotFound)
		}
		if err := lock(ctx, tx, vectorLock); err != nil {
			return err
		}
		if _, err = tx.Exec(ctx, `UPDATE item_vectors SET vec = NULL, seq = nextval('vector_seq')
			WHERE item_id = $1 AND vec IS NOT NULL`, id); err != nil {
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
	rows, err := s.pool.Query(ctx, `SELECT `+itemCols+` FROM items WHERE id > $1 ORDER BY id LIMIT $2`, after, n)
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
	rows, err := s.pool.Query(ctx, `SELECT id FROM items WHERE id = ANY($1::text[])`, ids)
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
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM items`).Scan(&n); err != nil {
		return 0, wrap("count items", err)
	}
	return n, nil
}

func scanItem(row pgx.Row, extra ...any) (recd.Item, error) {
	var it recd.Item
	var cats, tags, attrs, gen string
	var created, updated int64
	dest := append([]any{&it.ID, &it.Title, &it.Text, &cats, &tags, &attrs, &it.Available, &created, &updated, &gen}, extra...)
	if err := row.Scan(dest...); err != nil {
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
