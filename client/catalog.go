package client

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"iter"
	"net/url"
	"strconv"
	"time"

	"github.com/recd/recd"
)

// itemIn is an item as the server takes it: recd.Item without the times the server sets.
type itemIn struct {
	ID         string               `json:"id"`
	Title      string               `json:"title,omitempty"`
	Text       string               `json:"text,omitempty"`
	Categories []string             `json:"categories,omitempty"`
	Tags       []string             `json:"tags,omitempty"`
	Attributes map[string]any       `json:"attributes,omitempty"`
	Available  bool                 `json:"available"`
	Vectors    map[string][]float32 `json:"vectors,omitempty"`
}

func toItemIn(it recd.Item) itemIn {
	return itemIn{ID: it.ID, Title: it.Title, Text: it.Text, Categories: it.Categories, Tags: it.Tags,
		Attributes: it.Attributes, Available: it.Available, Vectors: it.Vectors}
}

// PutItem creates or replaces the item it.ID and returns it as stored (with its times).
// Available is sent as it is: the zero value stores an item that is never recommended.
// CreatedAt and UpdatedAt are the server's and are not sent.
func (c *Client) PutItem(ctx context.Context, it recd.Item) (recd.Item, error) {
	var out recd.Item
	b, err := jsonBody(toItemIn(it))
	if err != nil {
		return out, err
	}
	err = c.do(ctx, &call{ep: epPutItem, params: []string{it.ID}, body: b}, &out)
	return out, err
}

// GetItem returns the item id; IsNotFound(err) when there is none.
func (c *Client) GetItem(ctx context.Context, id string) (recd.Item, error) {
	var out recd.Item
	err := c.do(ctx, &call{ep: epGetItem, params: []string{id}}, &out)
	return out, err
}

// DeleteItem deletes the item id.
func (c *Client) DeleteItem(ctx context.Context, id string) error {
	return c.do(ctx, &call{ep: epDeleteItem, params: []string{id}}, nil)
}

// ListItems iterates over every item in id order, fetching pages of pageSize (0 for the
// server's default). A failed page yields its error once and ends the iteration.
func (c *Client) ListItems(ctx context.Context, pageSize int) iter.Seq2[recd.Item, error] {
	return func(yield func(recd.Item, error) bool) {
		cursor := ""
		for {
			var page itemPage
			if err := c.do(ctx, &call{ep: epListItems, query: pageQuery(pageSize, cursor)}, &page); err != nil {
				yield(recd.Item{}, err)
				return
			}
			for _, it := range page.Items {
				if !yield(it, nil) {
					return
				}
			}
			if page.NextCursor == "" || len(page.Items) == 0 {
				return
			}
			cursor = page.NextCursor
		}
	}
}

// pageQuery is the query of one page: limit (0 for the default) and cursor.
func pageQuery(limit int, cursor string) url.Values {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	return q
}

// PutItems stores a batch of items as one JSON array, all or nothing: a bad item fails the
// whole batch with an *Error whose Field names it. For large batches, where a bad
// item should not stop the others, use PutItemsStream.
func (c *Client) PutItems(ctx context.Context, items []recd.Item) (BatchResult, error) {
	var out BatchResult
	in := make([]itemIn, len(items))
	for i, it := range items {
		in[i] = toItemIn(it)
	}
	b, err := jsonBody(in)
	if err != nil {
		return out, err
	}
	err = c.do(ctx, &call{ep: epPutItems, body: b}, &out)
	return out, err
}

// PutItemsStream streams items as NDJSON, one line per item, while items yields them, so a
// batch of any size is never held in memory. The server stores the good lines and reports
// each bad one in BatchResult.Rejected by line number (from 1); when every line is bad the
// answer is a 422 *Error and the result still lists the lines. A streamed body cannot be
// replayed, so the call is never retried.
func (c *Client) PutItemsStream(ctx context.Context, items iter.Seq[recd.Item]) (BatchResult, error) {
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		enc := json.NewEncoder(pw)
		for it := range items {
			if err := enc.Encode(toItemIn(it)); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.Close()
	}()
	var out BatchResult
	k := &call{ep: epPutItems, stream: pr, ctype: "application/x-ndjson", keepBody: &out}
	err := c.do(ctx, k, &out)
	// Stop the writer if the server answered before reading every line, and wait for it, so
	// that items is never iterated after the call returns.
	pr.CloseWithError(errors.New("client: request done"))
	<-done
	return out, err
}

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
	// RecommendationID and Position attribute the event to a served list.
	RecommendationID string `json:"recommendation_id,omitempty"`
	Position         *int   `json:"position,omitempty"`
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
		in[i] = eventIn{UserID: e.UserID, ItemID: e.ItemID, Type: e.Type, SessionID: e.SessionID,
			RecommendationID: e.RecommendationID, Position: e.Position}
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
