package store

// Limits and conventions every backend enforces, so that a value accepted by one store is
// accepted by all. Backends check the length limits with database constraints inside the
// write's transaction: a batch with one offending entry fails whole and its error wraps
// recd.ErrInvalid.
//
// Conventions shared by the backends (not spelled out in the Store doc comments):
//   - PutItems: an item whose Vectors map is nil keeps the vectors it already has; a non-nil
//     map (even empty) replaces the item's whole vector set, and spaces it no longer names are
//     logged as tombstones. A vector must be non-empty.
//   - AddEvents: a zero Timestamp is set to the time of the write (the returned events carry it).
//   - Timestamps are stored as Unix nanoseconds, so they must lie between the years 1678 and 2262;
//     they are returned in UTC.
//   - PutItems/PutUser: CreatedAt is kept from an existing row, else taken from the input,
//     else now. UpdatedAt is always now.
//   - SaveArtifact replaces an artifact with the same version; a zero Created is set to now
//     and a zero Size to len(Blob).
//   - DeleteArtifact frees the blob's space for reuse by later artifacts (SQLite: free-list
//     pages; PostgreSQL: TOAST space once vacuumed); neither file shrinks on its own.
//   - Cursors are opaque strings; limit must be positive.
//   - Strings (ids, titles, texts, categories, tags, attribute values) must be valid UTF-8
//     without NUL characters, which PostgreSQL cannot store; event values must be finite.
//     Such input is rejected with an error wrapping recd.ErrInvalid that names the field.
const (
	// MaxIDLen is the longest item, user or session id, event type, vector space name,
	// artifact version or kind, in characters.
	MaxIDLen = 512
)
