package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/recd/recd/store"
	"github.com/recd/recd/store/internal/codec"
)

// putVectors replaces the vector set of one item, logging each vector (and a tombstone for
// each space the item no longer has) with the next sequence numbers after *seq.
func (s *Store) putVectors(ctx context.Context, tx *sql.Tx, id string, vecs map[string][]float32, seq *int64) error {
	old, err := s.liveSpaces(ctx, tx, id)
	if err != nil {
		return err
	}
	spaces := make([]string, 0, len(vecs))
	for sp := range vecs {
		spaces = append(spaces, sp)
	}
	slices.Sort(spaces)
	put := tx.StmtContext(ctx, s.ws.putVec)
	for _, sp := range spaces {
		*seq++
		if _, err := put.ExecContext(ctx, id, sp, *seq, codec.EncodeVector(vecs[sp])); err != nil {
			return err
		}
	}
	tomb := tx.StmtContext(ctx, s.ws.tombstone)
	for _, sp := range old {
		if _, ok := vecs[sp]; ok {
			continue
		}
		*seq++
		if _, err := tomb.ExecContext(ctx, *seq, id, sp); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) liveSpaces(ctx context.Context, tx *sql.Tx, id string) ([]string, error) {
	rows, err := tx.StmtContext(ctx, s.ws.itemVecs).QueryContext(ctx, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var sp string
		if err := rows.Scan(&sp); err != nil {
			return nil, err
		}
		out = append(out, sp)
	}
	return out, rows.Err()
}

// ScanVectors calls fn for every logged vector and tombstone with Seq > afterSeq in Seq order.
func (s *Store) ScanVectors(ctx context.Context, afterSeq int64, fn func(store.VectorRecord) error) error {
	for {
		rows, err := s.rs.scanVectors.QueryContext(ctx, afterSeq, pageSize)
		if err != nil {
			return wrap("scan vectors", err)
		}
		var page []store.VectorRecord
		for rows.Next() {
			var r store.VectorRecord
			var b []byte
			if err := rows.Scan(&r.Seq, &r.ItemID, &r.Space, &b); err != nil {
				rows.Close()
				return wrap("scan vectors", err)
			}
			if b != nil {
				if r.Vector, err = codec.DecodeVector(b); err != nil {
					rows.Close()
					return fmt.Errorf("scan vectors: %w", err)
				}
			}
			page = append(page, r)
		}
		err = rows.Err()
		rows.Close()
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
