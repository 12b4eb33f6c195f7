package store

import "context"

// EventLogState is implemented by stores that can describe themselves and their event log
// cheaply, so that a process starting from a saved snapshot of its live state can check the
// snapshot still matches the store: same database, same schema, and the events the snapshot
// counted still all there (none deleted since, e.g. a user deleted while the process was down).
type EventLogState interface {
	// StoreIdentity returns an id made when the database's schema was created (a recreated
	// database has another) and its schema version (the migrations applied).
	StoreIdentity(ctx context.Context) (id string, schema int, err error)
	// EventsUpTo returns how many stored events have Seq <= seq, and the highest such Seq
	// (0 when none).
	EventsUpTo(ctx context.Context, seq int64) (count, newest int64, err error)
}
