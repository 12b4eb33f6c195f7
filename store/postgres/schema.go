package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Advisory lock keys (database-wide). migrateLock serialises schema migrations of replicas
// starting together; eventLock and vectorLock serialise writers of the event log and the
// vector log so that sequence numbers are committed in increasing order (a reader that has
// seen Seq n never later finds a newly committed record below n).
const (
	migrateLock int64 = 0x72656364_00000001
	eventLock   int64 = 0x72656364_00000002
	vectorLock  int64 = 0x72656364_00000003
	// changeLock serialises writers of the catalog change feed; it is taken last in a
	// transaction (after eventLock or vectorLock), so the lock order has no cycle.
	changeLock int64 = 0x72656364_00000004
	// snapshotLock serialises puts of the shared live snapshot (store.SharedSnapshots).
	snapshotLock int64 = 0x72656364_00000005
)

// migrations are applied in order; the schema_version table records how many have run.
// The schema matches store/sqlite: times are Unix nanoseconds (UTC), lists and maps are
// JSON, vectors are little-endian float32 bytes (NULL for a tombstone). Ids use the "C"
// collation so that they sort by bytes, as in SQLite and Go.
var migrations = []string{
	// 1: the initial schema.
	`CREATE TABLE items (
		id         text COLLATE "C" PRIMARY KEY CHECK (char_length(id) BETWEEN 1 AND 512),
		title      text NOT NULL,
		text       text NOT NULL,
		categories jsonb NOT NULL,
		tags       jsonb NOT NULL,
		attributes jsonb NOT NULL,
		available  boolean NOT NULL,
		created    bigint NOT NULL,
		updated    bigint NOT NULL
	);
	CREATE SEQUENCE vector_seq;
	CREATE TABLE item_vectors (
		item_id text COLLATE "C" NOT NULL,
		space   text COLLATE "C" NOT NULL CHECK (char_length(space) BETWEEN 1 AND 512),
		seq     bigint NOT NULL UNIQUE,
		vec     bytea,
		PRIMARY KEY (item_id, space)
	);
	CREATE TABLE users (
		id         text COLLATE "C" PRIMARY KEY CHECK (char_length(id) BETWEEN 1 AND 512),
		attributes jsonb NOT NULL,
		created    bigint NOT NULL,
		updated    bigint NOT NULL
	);
	CREATE SEQUENCE event_seq;
	CREATE TABLE events (
		seq        bigint PRIMARY KEY,
		user_id    text COLLATE "C" NOT NULL REFERENCES users (id),
		item_id    text COLLATE "C" NOT NULL CHECK (char_length(item_id) BETWEEN 1 AND 512),
		type       text NOT NULL CHECK (char_length(type) BETWEEN 1 AND 512),
		value      double precision NOT NULL,
		ts         bigint NOT NULL,
		session_id text NOT NULL CHECK (char_length(session_id) <= 512)
	);
	CREATE INDEX events_user ON events (user_id, seq);
	CREATE TABLE artifacts (
		version text COLLATE "C" PRIMARY KEY CHECK (char_length(version) BETWEEN 1 AND 512),
		kind    text COLLATE "C" NOT NULL CHECK (char_length(kind) <= 512),
		created bigint NOT NULL,
		metrics jsonb NOT NULL,
		size    bigint NOT NULL,
		blob    bytea NOT NULL
	);
	CREATE INDEX artifacts_kind ON artifacts (kind, created);
	CREATE INDEX artifacts_created ON artifacts (created);`,
	// 2: the catalog change feed (store.ChangeFeed): the newest change of each item and user.
	`CREATE SEQUENCE change_seq;
	CREATE TABLE catalog_changes (
		kind    text COLLATE "C" NOT NULL,
		id      text COLLATE "C" NOT NULL,
		seq     bigint NOT NULL UNIQUE,
		deleted boolean NOT NULL,
		PRIMARY KEY (kind, id)
	);`,
	// 3: served lists (store.Impressions), one row per list with its items as JSON
	// ([{"i": id, "s": score}, ...] in position order), and the list an event is attributed to
	// ('' and -1 when none).
	`CREATE TABLE impressions (
		id            text COLLATE "C" PRIMARY KEY CHECK (char_length(id) BETWEEN 1 AND 64),
		user_id       text COLLATE "C" NOT NULL CHECK (char_length(user_id) <= 512),
		session_id    text COLLATE "C" NOT NULL CHECK (char_length(session_id) <= 512),
		route         text NOT NULL,
		strategy      text NOT NULL,
		model_version text NOT NULL,
		ts            bigint NOT NULL,
		items         text NOT NULL
	);
	CREATE INDEX impressions_user ON impressions (user_id, ts);
	CREATE INDEX impressions_ts ON impressions (ts);
	ALTER TABLE events ADD COLUMN recommendation_id text NOT NULL DEFAULT '';
	ALTER TABLE events ADD COLUMN position integer NOT NULL DEFAULT -1;`,
	// 4: the experiment and variant a list was served under, the first page a later page
	// continues, and the request that produced the list (for later pages).
	`ALTER TABLE impressions ADD COLUMN experiment text NOT NULL DEFAULT '';
	ALTER TABLE impressions ADD COLUMN variant text NOT NULL DEFAULT '';
	ALTER TABLE impressions ADD COLUMN parent text COLLATE "C" NOT NULL DEFAULT '';
	ALTER TABLE impressions ADD COLUMN params text NOT NULL DEFAULT '';
	CREATE INDEX impressions_parent ON impressions (parent) WHERE parent <> '';`,
	// online metrics: the events attributed to a served list, by time (store.ImpressionScanner).
	`CREATE INDEX events_attributed ON events (ts, seq) WHERE recommendation_id <> '';`,
	// experiments (store.Experiments): one row per definition, the definition as JSON; the
	// lists served under an experiment and the events that cite a list, for its report.
	`CREATE TABLE experiments (
		id      text COLLATE "C" PRIMARY KEY CHECK (char_length(id) BETWEEN 1 AND 64),
		spec    text NOT NULL,
		created bigint NOT NULL,
		updated bigint NOT NULL
	);
	CREATE INDEX IF NOT EXISTS impressions_by_experiment ON impressions (experiment, id) WHERE experiment <> '';
	CREATE INDEX IF NOT EXISTS events_by_recommendation ON events (recommendation_id) WHERE recommendation_id <> '';`,
	// items' generated descriptions (store.Descriptions): JSON, '' when none.
	`ALTER TABLE items ADD COLUMN generated text NOT NULL DEFAULT '';`,
	// the learned ranker's feature rows of a served list (store.FeatureLog), when it was
	// sampled for feature logging: JSON, '' when none.
	`ALTER TABLE impressions ADD COLUMN features text NOT NULL DEFAULT '';`,
	// the store's identity (store.EventLogState): a random id made once, so that a snapshot of
	// the live state is not applied to another or a recreated database.
	`CREATE TABLE IF NOT EXISTS store_identity (id text NOT NULL);
	INSERT INTO store_identity (id) SELECT md5(random()::text || clock_timestamp()::text)
		WHERE NOT EXISTS (SELECT 1 FROM store_identity);`,
	// one shared snapshot of a replica's live state (store.SharedSnapshots): its parts in
	// order, stored uncompressed (the bytes are mostly ids and floats, and a put or a read
	// of hundreds of megabytes should not pay for compression), and one row saying when it
	// was made, its size and how many parts it has.
	`CREATE TABLE live_snapshot_parts (
		part integer PRIMARY KEY,
		data bytea NOT NULL
	);
	ALTER TABLE live_snapshot_parts ALTER COLUMN data SET STORAGE EXTERNAL;
	CREATE TABLE live_snapshot_info (
		created bigint NOT NULL,
		size    bigint NOT NULL,
		parts   integer NOT NULL
	);`,
}

// migrate brings the schema (in the connection's search_path) up to date in one transaction
// under an advisory lock, so that replicas opening together migrate once.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLock); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)`); err != nil {
			return fmt.Errorf("create schema_version: %w", err)
		}
		var v int
		err := tx.QueryRow(ctx, `SELECT version FROM schema_version`).Scan(&v)
		switch {
		case err == pgx.ErrNoRows:
			if _, err := tx.Exec(ctx, `INSERT INTO schema_version (version) VALUES (0)`); err != nil {
				return fmt.Errorf("init schema_version: %w", err)
			}
		case err != nil:
			return fmt.Errorf("read schema_version: %w", err)
		}
		if v > len(migrations) {
			return fmt.Errorf("database schema version %d is newer than this binary's %d", v, len(migrations))
		}
		for i := v; i < len(migrations); i++ {
			if _, err := tx.Exec(ctx, migrations[i]); err != nil {
				return fmt.Errorf("migrate to version %d: %w", i+1, err)
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE schema_version SET version = $1`, len(migrations)); err != nil {
			return fmt.Errorf("set schema_version: %w", err)
		}
		return nil
	})
}
