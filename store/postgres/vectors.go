package postgres

import (
	"context"

	"github.com/recd/recd/store"
	"github.com/recd/recd/store/internal/codec"
)

// ScanVectors calls fn for every logged vector and tombstone with Seq > afterSeq in Seq order.
func (s *Store) ScanVectors(ctx context.Context, afterSeq int64, fn func(store.VectorRecord) error) error {
	for {
		page, err := s.vectorPage(ctx, afterSeq)
		if err != nil {
			return wrap("scan vectors", err)
		}
		for _, r := range page {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(page) < pageSize {
			return nil
		}
		afterSeq = page[len(page)-1].Seq
	}
}

func (s *Store) vectorPage(ctx context.Context, after int64) ([]store.VectorRecord, error) {
	rows, err := s.pool.Query(ctx, `SELECT seq, item_id, space, vec FROM item_vectors WHERE seq > $1 ORDER BY seq LIMIT $2`,
		after, pageSize)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var page []store.VectorRecord
	for rows.Next() {
		var r store.VectorRecord
		var b []byte
		if err := rows.Scan(&r.Seq, &r.ItemID, &r.Space, &b); err != nil {
			return nil, err
		}
		if b != nil {
			if r.Vector, err = codec.DecodeVector(b); err != nil {
				return nil, err
			}
		}
		page = append(page, r)
	}
	return page, rows.Err()
}
