package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/recd/recd"
)

// itemIn is an item as clients send it; Available defaults to true, and the server-set
// timestamps an item was answered with are ignored.
type itemIn struct {
	ID         string               `json:"id"`
	Title      string               `json:"title"`
	Text       string               `json:"text"`
	Categories []string             `json:"categories"`
	Tags       []string             `json:"tags"`
	Attributes map[string]any       `json:"attributes"`
	Available  *bool                `json:"available"`
	Vectors    map[string][]float32 `json:"vectors"`
	CreatedAt  serverSet            `json:"created_at"`
	UpdatedAt  serverSet            `json:"updated_at"`
	// Generated is written only through PUT /v1/items/{id}/generated_text; a write of the
	// item keeps the stored one.
	Generated serverSet `json:"generated"`
}

func (in itemIn) item() recd.Item {
	it := recd.Item{ID: in.ID, Title: in.Title, Text: in.Text, Categories: in.Categories, Tags: in.Tags,
		Attributes: in.Attributes, Available: true, Vectors: in.Vectors}
	if in.Available != nil {
		it.Available = *in.Available
	}
	return it
}

func (s catalogRoutes) putItem(c *gin.Context) {
	var in itemIn
	if err := decodeJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	id, err := pathID(c, in.ID)
	if err != nil {
		fail(c, err)
		return
	}
	in.ID = id
	it := in.item()
	if err := s.b.PutItems(c.Request.Context(), []recd.Item{it}); err != nil {
		fail(c, err)
		return
	}
	stored, err := s.b.GetItem(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, stored)
}

func (s catalogRoutes) getItem(c *gin.Context) {
	it, err := s.b.GetItem(c.Request.Context(), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, it)
}

func (s catalogRoutes) deleteItem(c *gin.Context) {
	if err := s.b.DeleteItem(c.Request.Context(), c.Param("id")); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s catalogRoutes) listItems(c *gin.Context) {
	limit, err := intParam(c, "limit", 100, 1, s.opts.MaxPageSize)
	if err != nil {
		fail(c, err)
		return
	}
	items, next, err := s.b.ListItems(c.Request.Context(), c.Query("cursor"), limit)
	if err != nil {
		fail(c, err)
		return
	}
	if items == nil {
		items = []recd.Item{}
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_cursor": next})
}

// postItems stores a batch: a JSON array (all or nothing) or NDJSON (streamed in chunks;
// each bad line is reported by number and the good lines are stored). bodyTypes lets both
// media types through.
func (s catalogRoutes) postItems(c *gin.Context) {
	if ct := mediaType(c); ct == mediaNDJSON || ct == mediaJSONL {
		s.postItemsNDJSON(c)
		return
	}
	var in []itemIn
	if err := decodeJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	if len(in) == 0 {
		fail(c, recd.Invalid("", "the batch is empty"))
		return
	}
	items := make([]recd.Item, len(in))
	for i := range in {
		items[i] = in[i].item()
	}
	if err := s.b.PutItems(c.Request.Context(), items); err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"stored": len(items)})
}

// DecodeItem decodes one item as clients send it (unknown fields rejected, available
// defaulting to true), for readers of item files such as recd ingest.
func DecodeItem(b []byte) (recd.Item, error) {
	var in itemIn
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return recd.Item{}, decodeError(err, &in)
	}
	if dec.More() {
		return recd.Item{}, recd.Invalid("", "the line holds more than one JSON value")
	}
	return in.item(), nil
}

// ErrorBody is the JSON error body the API answers with, exported for clients.
type ErrorBody = errorBody

func lineErr(line int, id string, err error) lineError {
	status, code := statusOf(err)
	e := apiError{Code: code, Message: publicMessage(err, status)}
	var fe *recd.FieldError
	if errors.As(err, &fe) {
		e.Field = fe.Field
	}
	return lineError{Line: line, ID: id, Error: e}
}
