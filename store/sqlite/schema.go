package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are applied in order; PRAGMA user_version records how many have run.
// Times are Unix nanoseconds (UTC); lists and maps are JSON text; vectors are
// little-endian float32 blobs, NULL for a tombstone.
var migrations = []string{
	// 1: the initial schema.
	`CREATE TABLE items (
		id         TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 512),
		title      TEXT NOT NULL,
		text       TEXT NOT NULL,
		categories TEXT NOT NULL,
		tags       TEXT NOT NULL,
		attributes TEXT NOT NULL,
		available  INTEGER NOT NULL,
		created    INTEGER NOT NULL,
		updated    INTEGER NOT NULL
	) WITHOUT ROWID;
	CREATE TABLE item_vectors (
		item_id TEXT NOT NULL,
		space   TEXT NOT NULL CHECK (length(space) BETWEEN 1 AND 512),
		seq     INTEGER NOT NULL,
		vec     BLOB,
		PRIMARY KEY (item_id, space)
	) WITHOUT ROWID;
	CREATE UNIQUE INDEX item_vectors_seq ON item_vectors (seq);
	CREATE TABLE users (
		id         TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 512),
		attributes TEXT NOT NULL,
		created    INTEGER NOT NULL,
		updated    INTEGER NOT NULL
	) WITHOUT ROWID;
	CREATE TABLE events (
		seq        INTEGER PRIMARY KEY AUTOINCREMENT,
		user_id    TEXT NOT NULL REFERENCES users (id),
		item_id    TEXT NOT NULL CHECK (length(item_id) BETWEEN 1 AND 512),
		type       TEXT NOT NULL CHECK (length(type) BETWEEN 1 AND 512),
		value      REAL NOT NULL,
		ts         INTEGER NOT NULL,
		session_id TEXT NOT NULL CHECK (length(session_id) <= 512)
	);
	CREATE INDEX events_user ON events (user_id, seq);
	CREATE TABLE artifacts (
		version TEXT PRIMARY KEY CHECK (length(version) BETWEEN 1 AND 512),
		kind    TEXT NOT NULL CHECK (length(kind) <= 512),
		created INTEGER NOT NULL,
		metrics TEXT NOT NULL,
		size    INTEGER NOT NULL,
		blob    BLOB NOT NULL
	) WITHOUT ROWID;
	CREATE INDEX artifacts_kind ON artifacts (kind, created);
	CREATE INDEX artifacts_created ON artifacts (created);`,
	// 2: the catalog change feed (store.ChangeFeed): the newest change of each item and user.
	`CREATE TABLE catalog_changes (
		kind    TEXT NOT NULL,
		id      TEXT NOT NULL,
		seq     INTEGER NOT NULL,
		deleted INTEGER NOT NULL,
		PRIMARY KEY (kind, id)
	) WITHOUT ROWID;
	CREATE UNIQUE INDEX catalog_changes_seq ON catalog_changes (seq);`,
	// 3: served lists (store.Impressions), one row per list with its items as JSON
	// ([{"i": id, "s": score}, ...] in position order), and the list an event is attributed to
	// ("" and -1 when none).
	`CREATE TABLE impressions (
		id            TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
		user_id       TEXT NOT NULL CHECK (length(user_id) <= 512),
		session_id    TEXT NOT NULL CHECK (length(session_id) <= 512),
		route         TEXT NOT NULL,
		strategy      TEXT NOT NULL,
		model_version TEXT NOT NULL,
		ts            INTEGER NOT NULL,
		items         TEXT NOT NULL
	) WITHOUT ROWID;
	CREATE INDEX impressions_user ON impressions (user_id, ts);
	CREATE INDEX impressions_ts ON impressions (ts);
	ALTER TABLE events ADD COLUMN recommendation_id TEXT NOT NULL DEFAULT '';
	ALTER TABLE events ADD COLUMN position INTEGER NOT NULL DEFAULT -1;`,
	// 4: the experiment and variant a list was served under, the first page a later page
	// continues, and the request that produced the list (for later pages).
	`ALTER TABLE impressions ADD COLUMN experiment TEXT NOT NULL DEFAULT '';
	ALTER TABLE impressions ADD COLUMN variant TEXT NOT NULL DEFAULT '';
	ALTER TABLE impressions ADD COLUMN parent TEXT NOT NULL DEFAULT '';
	ALTER TABLE impressions ADD COLUMN params TEXT NOT NULL DEFAULT '';
	CREATE INDEX impressions_parent ON impressions (parent) WHERE parent != '';`,
	// online metrics: the events attributed to a served list, by time (store.ImpressionScanner).
	`CREATE INDEX events_attributed ON events (ts, seq) WHERE recommendation_id != '';`,
	// experiments (store.Experiments): one row per definition, the definition as JSON; the
	// lists served under an experiment and the events that cite a list, for its report.
	`CREATE TABLE experiments (
		id      TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
		spec    TEXT NOT NULL,
		created INTEGER NOT NULL,
		updated INTEGER NOT NULL
	) WITHOUT ROWID;
	CREATE INDEX IF NOT EXISTS impressions_by_experiment ON impressions (experiment, id) WHERE experiment != '';
	CREATE INDEX IF NOT EXISTS events_by_recommendation ON events (recommendation_id) WHERE recommendation_id != '';`,
	// items' generated descriptions (store.Descriptions): JSON, '' when none.
	`ALTER TABLE items ADD COLUMN generated TEXT NOT NULL DEFAULT '';`,
	// the learned ranker's feature rows of a served list (store.FeatureLog), when it was
	// sampled for feature logging: JSON, '' when none.
	`ALTER TABLE impressions ADD COLUMN features TEXT NOT NULL DEFAULT '';`,
	// the store's identity (store.EventLogState): a random id made once, so that a snapshot of
	// the live state is not applied to another or a recreated database.
	`CREATE TABLE IF NOT EXISTS store_identity (id TEXT NOT NULL);
	INSERT INTO store_identity (id) SELECT lower(hex(randomblob(16)))
		WHERE NOT EXISTS (SELECT 1 FROM store_identity);`,
}

// migrate brings the schema up to date in one transaction on the writer connection.
func migrate(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return fmt.Errorf("migrate: read user_version: %w", err)
	}
	if v > len(migrations) {
		return fmt.Errorf("migrate: database schema version %d is newer than this binary's %d", v, len(migrations))
	}
	for i := v; i < len(migrations); i++ {
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			return fmt.Errorf("migrate to version %d: %w", i+1, err)
		}
	}
	if v == len(migrations) {
		return nil
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, len(migrations))); err != nil {
		return fmt.Errorf("migrate: set user_version: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: commit: %w", err)
	}
	return nil
}
