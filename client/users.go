package client

import (
	"context"
	"iter"
	"time"

	"github.com/recd/recd"
)

// userIn is a user as the server takes it: recd.User without the times the server sets.
type userIn struct {
	ID         string         `json:"id"`
	Attributes map[string]any `json:"attributes,omitempty"`
}

// eventIn is an event as the server takes it: no seq (the store assigns it), and no
// timestamp when it is zero (the server's clock is used).
type eventIn struct {
	UserID    string   `json:"user_id"`
	ItemID    string   `json:"item_id"`
	Type      string   `json:"type"`
	Value     *float64 `json:"value,omitempty"`
	Timestamp string   `json:"timestamp,omitempty"`
	SessionID string   `json:"session_id,omitempty"`
}

// PutUser creates or replaces the user u.ID and returns it as stored (with its times).
func (c *Client) PutUser(ctx context.Context, u recd.User) (recd.User, error) {
	var out recd.User
	b, err := jsonBody(userIn{ID: u.ID, Attributes: u.Attributes})
	if err != nil {
		return out, err
	}
	err = c.do(ctx, &call{ep: epPutUser, params: []string{u.ID}, body: b}, &out)
	return out, err
}

// GetUser returns the user id; IsNotFound(err) when there is none.
func (c *Client) GetUser(ctx context.Context, id string) (recd.User, error) {
	var out recd.User
	err := c.do(ctx, &call{ep: epGetUser, params: []string{id}}, &out)
	return out, err
}

// DeleteUser deletes the user id and all their events.
func (c *Client) DeleteUser(ctx context.Context, id string) error {
	return c.do(ctx, &call{ep: epDeleteUser, params: []string{id}}, nil)
}

// UserEvents iterates over the user's events, newest first, fetching pages of pageSize (0
// for the server's default). A failed page yields its error once and ends the iteration.
func (c *Client) UserEvents(ctx context.Context, userID string, pageSize int) iter.Seq2[recd.Event, error] {
	return func(yield func(recd.Event, error) bool) {
		cursor := ""
		for {
			var page eventPage
			k := &call{ep: epUserEvents, params: []string{userID}, query: pageQuery(pageSize, cursor)}
			if err := c.do(ctx, k, &page); err != nil {
				yield(recd.Event{}, err)
				return
			}
			for _, e := range page.Events {
				if !yield(e, nil) {
					return
				}
			}
			if page.NextCursor == "" || len(page.Events) == 0 {
				return
			}
			cursor = page.NextCursor
		}
	}
}

// AddEvents stores events durably, all or nothing; they count for the very next request.
// A zero Timestamp means the server's clock, a zero Value is not sent (the type's default
// weight applies), and Seq is the store's and is not sent. An event about an unknown item
// is a 422 *Error whose Field names it.
func (c *Client) AddEvents(ctx context.Context, events []recd.Event) (EventResult, error) {
	var out EventResult
	in := make([]eventIn, len(events))
	for i, e := range events {
		in[i] = eventIn{UserID: e.UserID, ItemID: e.ItemID, Type: e.Type, SessionID: e.SessionID}
		if e.Value != 0 {
			v := e.Value
			in[i].Value = &v
		}
		if !e.Timestamp.IsZero() {
			in[i].Timestamp = e.Timestamp.Format(time.RFC3339Nano)
		}
	}
	b, err := jsonBody(in)
	if err != nil {
		return out, err
	}
	err = c.do(ctx, &call{ep: epAddEvents, body: b}, &out)
	return out, err
}
