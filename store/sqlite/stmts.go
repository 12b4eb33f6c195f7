package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// writeStmts are prepared once on the single writer connection; write transactions bind
// them with tx.StmtContext, which reuses the prepared statement on that connection.
type writeStmts struct {
	putItem, itemVecs, putVec, tombstone, maxVecSeq, deleteItem *sql.Stmt
	putUser, ensureUser, deleteUserEvents, deleteUser           *sql.Stmt
	nextEventSeq, addEvent, addEvents                           *sql.Stmt
	saveArtifact, deleteArtifact                                *sql.Stmt
}

func (w *writeStmts) all() []*sql.Stmt {
	return []*sql.Stmt{w.putItem, w.itemVecs, w.putVec, w.tombstone, w.maxVecSeq, w.deleteItem,
		w.putUser, w.ensureUser, w.deleteUserEvents, w.deleteUser,
		w.nextEventSeq, w.addEvent, w.addEvents, w.saveArtifact, w.deleteArtifact}
}

// readStmts are prepared on the read pool (database/sql prepares them per connection lazily).
type readStmts struct {
	getItem, getVecs, listItems, countItems                  *sql.Stmt
	getUser, userEvents, scanEvents, countEvents             *sql.Stmt
	listArtifacts, loadArtifact, latestArtifact, scanVectors *sql.Stmt
	latestCut, latestShown                                   *sql.Stmt // LatestImpressionOf's
}

func (r *readStmts) all() []*sql.Stmt {
	return []*sql.Stmt{r.getItem, r.getVecs, r.listItems, r.countItems,
		r.getUser, r.userEvents, r.scanEvents, r.countEvents,
		r.listArtifacts, r.loadArtifact, r.latestArtifact, r.scanVectors,
		r.latestCut, r.latestShown}
}

// eventRows is how many events one multi-row INSERT carries (9 parameters each).
const eventRows = 128

const itemCols = `id, title, text, categories, tags, attributes, available, created, updated`

// itemReadCols are the columns scanItem reads: itemCols and the generated description.
const itemReadCols = itemCols + `, generated`
const eventCols = `seq, user_id, item_id, type, value, ts, session_id, recommendation_id, position`

func (s *Store) prepare(ctx context.Context) error {
	var err error
	p := func(db *sql.DB, dst **sql.Stmt, q string) {
		if err != nil {
			return
		}
		*dst, err = db.PrepareContext(ctx, q)
		if err != nil {
			err = fmt.Errorf("prepare %q: %w", q, err)
		}
	}
	w, r := &s.ws, &s.rs
	p(s.w, &w.putItem, `INSERT INTO items (`+itemCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET title = excluded.title, text = excluded.text,
		categories = excluded.categories, tags = excluded.tags, attributes = excluded.attributes,
		available = excluded.available, updated = excluded.updated`)
	p(s.w, &w.itemVecs, `SELECT space FROM item_vectors WHERE item_id = ? AND vec IS NOT NULL ORDER BY space`)
	p(s.w, &w.putVec, `INSERT INTO item_vectors (item_id, space, seq, vec) VALUES (?, ?, ?, ?)
		ON CONFLICT (item_id, space) DO UPDATE SET seq = excluded.seq, vec = excluded.vec`)
	p(s.w, &w.tombstone, `UPDATE item_vectors SET seq = ?, vec = NULL WHERE item_id = ? AND space = ?`)
	p(s.w, &w.maxVecSeq, `SELECT COALESCE(MAX(seq), 0) FROM item_vectors`)
	p(s.w, &w.deleteItem, `DELETE FROM items WHERE id = ?`)
	p(s.w, &w.putUser, `INSERT INTO users (id, attributes, created, updated) VALUES (?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET attributes = excluded.attributes, updated = excluded.updated`)
	p(s.w, &w.ensureUser, `INSERT INTO users (id, attributes, created, updated) VALUES (?, '{}', ?, ?)
		ON CONFLICT (id) DO NOTHING`)
	p(s.w, &w.deleteUserEvents, `DELETE FROM events WHERE user_id = ?`)
	p(s.w, &w.deleteUser, `DELETE FROM users WHERE id = ?`)
	p(s.w, &w.nextEventSeq, `SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0)`)
	p(s.w, &w.addEvent, `INSERT INTO events (`+eventCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	p(s.w, &w.addEvents, `INSERT INTO events (`+eventCols+`) VALUES `+
		repeatJoin("(?, ?, ?, ?, ?, ?, ?, ?, ?)", ", ", eventRows))
	p(s.w, &w.saveArtifact, `INSERT OR REPLACE INTO artifacts (version, kind, created, metrics, size, blob)
		VALUES (?, ?, ?, ?, ?, ?)`)
	p(s.w, &w.deleteArtifact, `DELETE FROM artifacts WHERE version = ?`)

	p(s.r, &r.getItem, `SELECT `+itemReadCols+` FROM items WHERE id = ?`)
	p(s.r, &r.getVecs, `SELECT space, vec FROM item_vectors WHERE item_id = ? AND vec IS NOT NULL`)
	p(s.r, &r.listItems, `SELECT `+itemReadCols+` FROM items WHERE id > ? ORDER BY id LIMIT ?`)
	p(s.r, &r.countItems, `SELECT COUNT(*) FROM items`)
	p(s.r, &r.getUser, `SELECT id, attributes, created, updated FROM users WHERE id = ?`)
	p(s.r, &r.userEvents, `SELECT `+eventCols+` FROM events WHERE user_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`)
	p(s.r, &r.scanEvents, `SELECT `+eventCols+` FROM events WHERE seq > ? ORDER BY seq LIMIT ?`)
	p(s.r, &r.countEvents, `SELECT COUNT(*) FROM events`)
	p(s.r, &r.listArtifacts, `SELECT version, kind, created, metrics, size FROM artifacts ORDER BY created DESC, version DESC`)
	p(s.r, &r.loadArtifact, `SELECT version, kind, created, metrics, size, blob FROM artifacts WHERE version = ?`)
	p(s.r, &r.latestArtifact, `SELECT version, kind, created, metrics, size, blob FROM artifacts
		WHERE kind = ? ORDER BY created DESC, version DESC LIMIT 1`)
	p(s.r, &r.scanVectors, `SELECT seq, item_id, space, vec FROM item_vectors WHERE seq > ? ORDER BY seq LIMIT ?`)
	p(s.r, &r.latestCut, `SELECT ts, id FROM impressions WHERE user_id = ? AND ts >= ? AND ts <= ?
		ORDER BY ts DESC, id DESC LIMIT 1 OFFSET ?`)
	p(s.r, &r.latestShown, `SELECT `+impressionCols+` FROM impressions
		WHERE user_id = ? AND ts >= ? AND ts <= ? AND (ts, id) >= (?, ?) AND instr(items, ?) > 0
		ORDER BY ts DESC, id DESC LIMIT 1`)
	return err
}

func repeatJoin(s, sep string, n int) string {
	out := make([]byte, 0, n*(len(s)+len(sep)))
	for i := range n {
		if i > 0 {
			out = append(out, sep...)
		}
		out = append(out, s...)
	}
	return string(out)
}
