// Package recd holds the domain types every part of the recommendation server shares:
// items, users, events, recommendations and the sentinel errors that cross package boundaries.
package recd

import (
	"errors"
	"time"
)

// Sentinel errors. Packages wrap them with %w; the HTTP layer maps them to statuses in one place.
var (
	// ErrNotFound: the named item, user, model version or vector space does not exist.
	ErrNotFound = errors.New("not found")
	// ErrInvalid: the input is malformed or breaks a rule; wrap it in a *FieldError to name the field.
	ErrInvalid = errors.New("invalid argument")
	// ErrUnprocessable: well-formed input that cannot be applied (an event on an unknown item,
	// a vector of the wrong dimension for its space).
	ErrUnprocessable = errors.New("unprocessable")
	// ErrUnavailable: a dependency cannot make the write durable right now.
	ErrUnavailable = errors.New("unavailable")
)

// FieldError is an error about one field of a client's input. Err is ErrInvalid or ErrUnprocessable.
type FieldError struct {
	Field   string // JSON path of the field, e.g. "events[3].item_id"
	Message string
	Err     error
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

func (e *FieldError) Unwrap() error { return e.Err }

// Invalid returns a *FieldError wrapping ErrInvalid.
func Invalid(field, msg string) error {
	return &FieldError{Field: field, Message: msg, Err: ErrInvalid}
}

// Unprocessable returns a *FieldError wrapping ErrUnprocessable.
func Unprocessable(field, msg string) error {
	return &FieldError{Field: field, Message: msg, Err: ErrUnprocessable}
}

// Item is one entry of the catalog.
type Item struct {
	ID         string         `json:"id"`
	Title      string         `json:"title,omitempty"`
	Text       string         `json:"text,omitempty"`
	Categories []string       `json:"categories,omitempty"`
	Tags       []string       `json:"tags,omitempty"`
	Attributes map[string]any `json:"attributes,omitempty"`
	// Available is false for items that must not be recommended (out of stock, withdrawn).
	Available bool `json:"available"`
	// Vectors are externally supplied embeddings by vector space name.
	Vectors   map[string][]float32 `json:"vectors,omitempty"`
	CreatedAt time.Time            `json:"created_at"`
	UpdatedAt time.Time            `json:"updated_at"`
}

// User is someone recommendations are made for. Users need not be registered:
// an event from an unknown user id creates the user implicitly.
type User struct {
	ID         string         `json:"id"`
	Attributes map[string]any `json:"attributes,omitempty"`
	CreatedAt  time.Time      `json:"created_at"`
	UpdatedAt  time.Time      `json:"updated_at"`
}

// Event is one interaction of a user with an item.
type Event struct {
	// Seq is assigned by the store: a strictly increasing number in write order.
	Seq       int64     `json:"seq,omitempty"`
	UserID    string    `json:"user_id"`
	ItemID    string    `json:"item_id"`
	Type      string    `json:"type"`
	Value     float64   `json:"value,omitempty"`
	Timestamp time.Time `json:"timestamp"`
	SessionID string    `json:"session_id,omitempty"`
	// RecommendationID and Position attribute the event to a served list and the item's
	// place in it (0 first): given by the client, or found by the server for the event types
	// it attributes. Empty and nil when the event is attributed to no list.
	RecommendationID string `json:"recommendation_id,omitempty"`
	Position         *int   `json:"position,omitempty"`
}

// Built-in event types. Any other plain identifier is accepted as a custom type
// and weighted by the configuration.
const (
	EventView      = "view"
	EventClick     = "click"
	EventAddToCart = "add_to_cart"
	EventPurchase  = "purchase"
	EventLike      = "like"
	EventDislike   = "dislike"
	EventRating    = "rating"
)

// Reason says why an item was recommended.
type Reason struct {
	// Type is one of similar_to, popular, popular_in, trending, matches_profile, collaborative,
	// session, long_tail, query.
	Type     string   `json:"type"`
	Items    []string `json:"items,omitempty"`
	Category string   `json:"category,omitempty"`
	Source   string   `json:"source,omitempty"`
	Text     string   `json:"text,omitempty"`
}

// Recommendation is one ranked item in a response.
type Recommendation struct {
	ID      string   `json:"id"`
	Score   float64  `json:"score"`
	Title   string   `json:"title,omitempty"`
	Reasons []Reason `json:"reasons"`
	// Variant is, in an interleaved list, the experiment variant that placed the item.
	Variant string `json:"variant,omitempty"`
}
