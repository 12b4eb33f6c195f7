package codec

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/recd/recd"
)

// ItemRow is an item encoded for the items table.
type ItemRow struct {
	ID, Title, Text, Categories, Tags, Attributes string
	Available                                     bool
	Created                                       int64 // Unix ns: the input's CreatedAt, else now
}

// EncodeItem validates entry i of a batch and encodes it; now (Unix ns) replaces a zero CreatedAt.
// Length limits are left to the database's constraints.
func EncodeItem(i int, it recd.Item, now int64) (ItemRow, error) {
	f := func(name string) string { return fmt.Sprintf("items[%d].%s", i, name) }
	r := ItemRow{ID: it.ID, Title: it.Title, Text: it.Text, Available: it.Available, Created: now}
	if err := CheckText(f("id"), it.ID); err != nil {
		return r, err
	}
	if err := CheckText(f("title"), it.Title); err != nil {
		return r, err
	}
	if err := CheckText(f("text"), it.Text); err != nil {
		return r, err
	}
	var err error
	if r.Categories, err = Strings(f("categories"), it.Categories); err != nil {
		return r, err
	}
	if r.Tags, err = Strings(f("tags"), it.Tags); err != nil {
		return r, err
	}
	if r.Attributes, err = Map(f("attributes"), it.Attributes); err != nil {
		return r, err
	}
	if !it.CreatedAt.IsZero() {
		if r.Created, err = Nanos(f("created_at"), it.CreatedAt); err != nil {
			return r, err
		}
	}
	for space, v := range it.Vectors {
		if space == "" {
			return r, recd.Invalid(f("vectors"), "empty vector space name")
		}
		if err := CheckText(f("vectors"), space); err != nil {
			return r, err
		}
		if len(v) == 0 {
			return r, recd.Invalid(f("vectors."+space), "empty vector")
		}
	}
	return r, nil
}

// EncodeUser validates a user and returns its attributes as JSON and its creation time
// (Unix ns: the input's CreatedAt, else now).
func EncodeUser(u recd.User, now int64) (attrs string, created int64, err error) {
	if err := CheckText("id", u.ID); err != nil {
		return "", 0, err
	}
	if attrs, err = Map("attributes", u.Attributes); err != nil {
		return "", 0, err
	}
	created = now
	if !u.CreatedAt.IsZero() {
		if created, err = Nanos("created_at", u.CreatedAt); err != nil {
			return "", 0, err
		}
	}
	return attrs, created, nil
}

// EncodeEvent validates entry i of a batch, sets a zero Timestamp to now, and returns the
// event as it will be stored (Timestamp in UTC) with its Unix ns timestamp.
func EncodeEvent(i int, e recd.Event, now time.Time) (recd.Event, int64, error) {
	// Checked under the bare field names; only an error pays for the entry's path (an
	// import or a batch of events encodes millions of valid ones).
	ts, err := encodeEvent(&e, now)
	var fe *recd.FieldError
	if errors.As(err, &fe) {
		err = &recd.FieldError{Field: fmt.Sprintf("events[%d].%s", i, fe.Field), Message: fe.Message, Err: fe.Err}
	}
	return e, ts, err
}

func encodeEvent(e *recd.Event, now time.Time) (int64, error) {
	if e.Timestamp.IsZero() {
		e.Timestamp = now
	}
	ts, err := Nanos("timestamp", e.Timestamp)
	if err != nil {
		return 0, err
	}
	if math.IsNaN(e.Value) || math.IsInf(e.Value, 0) {
		return 0, recd.Invalid("value", "not a finite number")
	}
	if e.Position != nil && (*e.Position < 0 || *e.Position > math.MaxInt32) {
		return 0, recd.Invalid("position", "must be between 0 and 2147483647")
	}
	for _, c := range [...]struct{ name, v string }{{"user_id", e.UserID}, {"item_id", e.ItemID}, {"type", e.Type},
		{"session_id", e.SessionID}, {"recommendation_id", e.RecommendationID}} {
		if err := CheckText(c.name, c.v); err != nil {
			return 0, err
		}
	}
	e.Timestamp = Time(ts)
	return ts, nil
}

// EncodeArtifactKey validates an artifact's version and kind.
func EncodeArtifactKey(version, kind string) error {
	if err := CheckText("version", version); err != nil {
		return err
	}
	return CheckText("kind", kind)
}

// EventPosition is an event's position as stored: -1 for none.
func EventPosition(e *recd.Event) int64 {
	if e.Position == nil {
		return -1
	}
	return int64(*e.Position)
}

// SetEventPosition sets an event's position from its stored form (-1: none).
func SetEventPosition(e *recd.Event, pos int64) {
	if pos >= 0 {
		p := int(pos)
		e.Position = &p
	}
}
